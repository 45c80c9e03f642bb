package vitals_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/healthscore"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/internal/badinput"
)

// badCase is one bad input of the root package, the health scorer or the
// exporters, on the rig below.
type badCase = badinput.Case[*badRig]

// TestBadInput runs every bad input of badCases on a fresh rig: the four
// trackers on one fake clock, recording into their own ManualReader, with
// one control series each fed known traffic before and after the bad call.
// Each case must not panic, must return its documented error or count its
// documented no-op exactly (and count nothing else), and must leave every
// control series exact. The trackers' own bad inputs are beside them, in
// instrument/<signal>.
func TestBadInput(t *testing.T) {
	cases := badCases()
	if len(cases) < 40 {
		t.Fatalf("only %d bad inputs", len(cases))
	}
	badinput.Run(t, cases, newBadRig)
}

// TestBadInputTableInReadme checks that the README's bad-input table has
// the rows the cases above render, so that the two cannot drift apart;
// -update rewrites them. The trackers' rows are checked beside them.
func TestBadInputTableInReadme(t *testing.T) {
	badinput.CheckReadme(t, "README.md", *update, badCases(), "vitals", "healthscore", "exporters")
}

// badRig is the world of one case: the four trackers on one fake clock,
// recording into their own ManualReader, with one control series each
// (badinput.Conn, Queue, Cache and Feature). The cases here make Systems,
// health reports and exporters of their own; the rig's control series show
// that none of it reaches trackers it was not given.
type badRig = badinput.World

func newBadRig(t *testing.T) *badRig {
	t.Helper()
	r := badinput.NewWorld(t)
	badinput.Watch(r, badinput.Conn)
	badinput.Watch(r, badinput.Queue)
	badinput.Watch(r, badinput.Cache)
	badinput.Watch(r, badinput.Feature)
	return r
}

// badField fails t unless err holds a ConfigError for field.
func badField(t *testing.T, err error, field string) {
	t.Helper()
	var ce *vitals.ConfigError
	if !errors.As(err, &ce) || ce.Field != field {
		t.Errorf("%v: want a ConfigError for %s", err, field)
	}
}

// badSystem starts a System that builds no exporter and is read through a
// ManualReader of its own, shut down when the case ends.
func badSystem(t *testing.T, ctx context.Context, opts ...vitals.Option) (*vitals.System, *sdkmetric.ManualReader) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	opts = append([]vitals.Option{vitals.WithExporterOptions(exporters.WithExporters(exporters.None)), vitals.WithReader(reader)}, opts...)
	sys, err := vitals.Start(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sys.Shutdown(context.Background()) })
	return sys, reader
}

// badConsoleSystem starts a System whose only exporter is the console,
// writing to w and exporting only when flushed.
func badConsoleSystem(t *testing.T, w io.Writer) *vitals.System {
	t.Helper()
	sys, err := vitals.Start(context.Background(), vitals.WithExporterOptions(
		exporters.WithExporters(exporters.Console),
		exporters.WithConsoleWriter(w),
		exporters.WithExportInterval(time.Hour),
	))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sys.Shutdown(context.Background()) })
	return sys
}

// badCollectFails fails t unless collecting reader fails: it was shut down.
func badCollectFails(t *testing.T, reader *sdkmetric.ManualReader) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err == nil {
		t.Error("the reader still collects: the System was not shut down")
	}
}

// badScore scores in under p, checking what every report must be: scores
// from 0 to 100, known statuses, and JSON that encodes.
func badScore(t *testing.T, in healthscore.Input, p healthscore.Policy) healthscore.Report {
	t.Helper()
	r := healthscore.Score(in, p)
	scores := []float64{r.Score}
	statuses := []healthscore.Status{r.Status}
	for _, c := range r.Components {
		scores = append(scores, c.Score)
		statuses = append(statuses, c.Status)
		for _, e := range c.Entities {
			scores = append(scores, e.Score)
			statuses = append(statuses, e.Status)
		}
	}
	for _, s := range scores {
		if !(s >= 0 && s <= 100) {
			t.Errorf("score %v outside 0-100: %+v", s, r)
		}
	}
	for _, s := range statuses {
		if s != healthscore.Healthy && s != healthscore.Degraded && s != healthscore.Unhealthy {
			t.Errorf("status %q: %+v", s, r)
		}
	}
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("the report does not encode: %v", err)
	}
	return r
}

// badHealthInput has one entity of every kind, each a little unhealthy.
func badHealthInput() healthscore.Input {
	return healthscore.Input{
		Connections: []conn.Entry{{Type: "database", Name: "p", Open: 10, OlderThanMaxAge: 1, Destroyed: 9, Expired: 1}},
		Queues:      []queue.Entry{{Type: "http", Name: "q", Depth: 9, Capacity: 10, Utilization: 0.9, WindowSeconds: 300}},
		Caches:      []cache.Entry{{Type: "application", Name: "c", WindowLookups: 10, WindowHitRatio: 0.6, Efficiency: 0.4}},
		Features:    []feature.Entry{{Type: "api_endpoint", Name: "f", WindowUses: 100, WindowSuccessRatio: 0.95, MeanDurationSeconds: 2}},
	}
}

func badCases() []badCase {
	var cases []badCase
	cases = append(cases, badRootCases()...)
	cases = append(cases, badHealthCases()...)
	cases = append(cases, badExporterCases()...)
	return cases
}
