package vitals_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/healthscore"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/internal/badinput"
	"github.com/otelvitals/vitals/semconv"
)

func badRootCases() []badCase {
	validate := func(field string, c vitals.Config) func(*testing.T, *badRig) error {
		return func(t *testing.T, _ *badRig) error {
			err := c.Validate()
			badField(t, err, field)
			return err
		}
	}
	return []badCase{
		{
			Name: "nil system", API: "*vitals.System (every method)", Input: "a nil *System",
			Result: "no-ops: nil trackers, an empty snapshot, a healthy report, 200 probes, nil errors",
			Call: func(t *testing.T, _ *badRig) error {
				var sys *vitals.System
				if sys.Connections() != nil || sys.Queues() != nil || sys.Caches() != nil || sys.Features() != nil {
					t.Error("a nil System returned a tracker")
				}
				if r := sys.Health(); r.Status != healthscore.Healthy || len(sys.Snapshot().Connections.Pools) != 0 {
					t.Errorf("health %+v", r)
				}
				for _, h := range []http.Handler{sys.ReadinessHandler(healthscore.HandlerOptions{}), sys.LivenessHandler()} {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
					if rec.Code != 200 {
						t.Errorf("probe %d", rec.Code)
					}
				}
				_ = sys.MeterProvider().Meter("x")
				_, _, _ = sys.Config(), sys.Resource(), sys.Readers()
				return errors.Join(sys.ForceFlush(context.Background()), sys.Shutdown(context.Background()))
			},
		},
		{
			Name: "nil view", API: "vitals.WithView", Input: "WithView(nil, nil)",
			Result: "ignored, as nil options are: Start succeeds",
			Call: func(t *testing.T, _ *badRig) error {
				sys, err := vitals.Start(context.Background(), vitals.WithView(nil, nil), vitals.WithExporterOptions(exporters.WithExporters(exporters.None)))
				if err == nil {
					err = sys.Shutdown(context.Background())
				}
				return err
			},
		},
		{
			Name: "liveness timeout under two samples", API: "Start", Input: "queue.WithSampleInterval(1m), LivenessTimeout: 1m",
			Result: "ErrInvalidConfig naming LivenessTimeout and twice the interval, no System", Want: vitals.ErrInvalidConfig,
			Call: func(t *testing.T, _ *badRig) error {
				sys, err := vitals.Start(context.Background(), vitals.WithConfig(vitals.Config{LivenessTimeout: time.Minute}),
					vitals.WithQueueOptions(queue.WithSampleInterval(time.Minute)), vitals.WithExporterOptions(exporters.WithExporters(exporters.None)))
				if sys != nil {
					t.Error("a System was returned")
					_ = sys.Shutdown(context.Background())
				}
				if err != nil && !strings.Contains(err.Error(), "Config.LivenessTimeout = 1m0s: allowed at least twice the queue sample interval (2m0s)") {
					t.Errorf("error %q", err)
				}
				return err
			},
		},
		{
			Name: "config negative collection budget", API: "Config.Validate", Input: "CollectionBudget: -1ms",
			Result: "ErrInvalidConfig naming the field", Want: vitals.ErrInvalidConfig,
			Call: validate("CollectionBudget", vitals.Config{CollectionBudget: -time.Millisecond}),
		},
		{
			Name: "config negative cardinality limit", API: "Config.Validate", Input: "CardinalityLimit: -1",
			Result: "ErrInvalidConfig naming the field", Want: vitals.ErrInvalidConfig,
			Call: validate("CardinalityLimit", vitals.Config{CardinalityLimit: -1}),
		},
		{
			Name: "empty user hash key", API: "Start", Input: "WithFeatureOptions(feature.WithUserHashKey([]byte{}))",
			Result: "feature.ErrHashKeyLength, no System: a key set but too short is refused, not ignored", Want: feature.ErrHashKeyLength,
			Call: func(t *testing.T, _ *badRig) error {
				sys, err := vitals.Start(context.Background(), vitals.WithFeatureOptions(feature.WithUserHashKey([]byte{})),
					vitals.WithExporterOptions(exporters.WithExporters(exporters.None)))
				if sys != nil {
					t.Error("a System was returned")
					_ = sys.Shutdown(context.Background())
				}
				return err
			},
		},
		{
			Name: "start with invalid config", API: "Start", Input: "WithConfig(Config{CollectionBudget: -1})",
			Result: "ErrInvalidConfig, no System", Want: vitals.ErrInvalidConfig,
			Call: func(t *testing.T, _ *badRig) error {
				sys, err := vitals.Start(context.Background(), vitals.WithConfig(vitals.Config{CollectionBudget: -1}))
				if sys != nil {
					t.Error("a System was returned")
					_ = sys.Shutdown(context.Background())
				}
				return err
			},
		},
		{
			Name: "start with nil context", API: "Start", Input: "ctx: nil",
			Result: "taken as context.Background(): the System records",
			Call: func(t *testing.T, _ *badRig) error {
				sys, _ := badSystem(t, badinput.NilCtx)
				sys.Caches().Cache(cache.TypeApplication, "sys").CountHit()
				if s := sys.Snapshot().Caches.Caches; len(s) != 1 || s[0].Hits != 1 {
					t.Errorf("caches %+v, want one hit", s)
				}
				return nil
			},
		},
		{
			Name: "start with cancelled context", API: "Start", Input: "ctx: cancelled",
			Result: "ctx's error (context.Canceled), nothing started", Want: context.Canceled,
			Call: func(t *testing.T, _ *badRig) error {
				sys, err := vitals.Start(badinput.Cancelled(), vitals.WithExporterOptions(exporters.WithExporters(exporters.None)))
				if sys != nil {
					t.Error("a System was returned")
					_ = sys.Shutdown(context.Background())
				}
				return err
			},
		},
		{
			Name: "start with nil option", API: "Start", Input: "opts: nil",
			Result: "ignored: the System records",
			Call: func(t *testing.T, _ *badRig) error {
				sys, _ := badSystem(t, context.Background(), nil)
				sys.Features().Feature(feature.TypeComponent, "sys").Record(context.Background(), "", "", 0, true)
				if s := sys.Snapshot().Features.Features; len(s) != 1 || s[0].Uses != 1 {
					t.Errorf("features %+v, want one use", s)
				}
				return nil
			},
		},
		{
			Name: "start with unknown exporter", API: "Start", Input: `WithExporters("zipkin")`,
			Result: "exporters.ErrUnknownExporter, no System", Want: exporters.ErrUnknownExporter,
			Call: func(t *testing.T, _ *badRig) error {
				sys, err := vitals.Start(context.Background(), vitals.WithExporterOptions(exporters.WithExporters("zipkin")))
				if sys != nil {
					t.Error("a System was returned")
					_ = sys.Shutdown(context.Background())
				}
				return err
			},
		},
		{
			Name: "start with bad protocol", API: "Start", Input: `WithOTLPProtocol("http/json")`,
			Result: "exporters.ErrUnsupportedProtocol, no System", Want: exporters.ErrUnsupportedProtocol,
			Call: func(t *testing.T, _ *badRig) error {
				sys, err := vitals.Start(context.Background(), vitals.WithExporterOptions(
					exporters.WithExporters(exporters.OTLP), exporters.WithOTLPProtocol("http/json")))
				if sys != nil {
					t.Error("a System was returned")
					_ = sys.Shutdown(context.Background())
				}
				return err
			},
		},
		{
			Name: "flush with nil context", API: "System.ForceFlush", Input: "ctx: nil (console exporter)",
			Result: "taken as context.Background(): flushed, nil",
			Call: func(t *testing.T, _ *badRig) error {
				var out syncBuffer
				sys := badConsoleSystem(t, &out)
				sys.Caches().Cache(cache.TypeApplication, "sys").CountHit()
				err := sys.ForceFlush(badinput.NilCtx)
				if !strings.Contains(out.String(), semconv.CacheOperations.Name) {
					t.Error("nothing was flushed to the console")
				}
				return err
			},
		},
		{
			Name: "flush with cancelled context", API: "System.ForceFlush", Input: "ctx: cancelled (console exporter)",
			Result: "ctx's error (context.Canceled)", Want: context.Canceled,
			Call: func(t *testing.T, _ *badRig) error {
				return badConsoleSystem(t, io.Discard).ForceFlush(badinput.Cancelled())
			},
		},
		{
			Name: "shutdown with nil context", API: "System.Shutdown", Input: "ctx: nil",
			Result: "taken as context.Background(): stopped, nil",
			Call: func(t *testing.T, _ *badRig) error {
				sys, reader := badSystem(t, context.Background())
				err := sys.Shutdown(badinput.NilCtx)
				badCollectFails(t, reader)
				return err
			},
		},
		{
			Name: "shutdown with cancelled context", API: "System.Shutdown", Input: "ctx: cancelled",
			Result: "stopped without waiting; nil or context.Canceled, the same on every later call", Want: context.Canceled, OrNil: true,
			Call: func(t *testing.T, _ *badRig) error {
				sys, reader := badSystem(t, context.Background())
				err := sys.Shutdown(badinput.Cancelled())
				if again := sys.Shutdown(context.Background()); again != err {
					t.Errorf("second Shutdown %v, first %v", again, err)
				}
				badCollectFails(t, reader)
				return err
			},
		},
		{
			Name: "shutdown twice", API: "System.Shutdown", Input: "a second call",
			Result: "idempotent: nil again",
			Call: func(t *testing.T, _ *badRig) error {
				sys, _ := badSystem(t, context.Background())
				badinput.Fatal(t, sys.Shutdown(context.Background()))
				return sys.Shutdown(context.Background())
			},
		},
		{
			Name: "system use after shutdown", API: "System.Connections/Queues/Caches/Features", Input: "every tracker used, bad input included, after Shutdown",
			Result: "no-op: nothing reported or counted; handles stay safe; the provider keeps its other series",
			Call: func(t *testing.T, r *badRig) error {
				sys, err := vitals.Start(context.Background(), vitals.WithMeterProvider(r.Reader.Provider))
				badinput.Fatal(t, err)
				sys.Connections().Pool("database", "sys").Open()
				sys.Queues().Queue(queue.TypeHTTP, "sys", 10).Enter()
				sys.Caches().Cache(cache.TypeApplication, "sys").CountHit()
				badinput.Fatal(t, sys.Shutdown(context.Background()))

				p := sys.Connections().Pool("database", "sys")
				c := p.Open()
				c.Use()
				c.Close()
				c.Close() // a double close, not counted any more
				_ = sys.Connections().Used("unknown")
				q := sys.Queues().Queue(queue.TypeHTTP, "sys", 10)
				tk := q.Enter()
				tk.Leave()
				tk.Leave()
				if err := q.Sample(-1); !errors.Is(err, queue.ErrNegativeDepth) {
					t.Errorf("Sample(-1) after Shutdown: %v, want ErrNegativeDepth", err)
				}
				ch := sys.Caches().Cache(cache.TypeApplication, "sys")
				ch.Hit(time.Millisecond)
				ch.Miss(-1)
				ch.Set(-1)
				sys.Features().Feature(feature.TypeComponent, "sys").Record(context.Background(), "u", "", -1, true)
				_ = sys.Snapshot()
				return nil
			},
			Check: badinput.NothingNamed[*badRig]("sys"),
		},
		{
			Name: "snapshot and health after shutdown", API: "System.Snapshot, System.Health", Input: "called after Shutdown",
			Result: "answer with the state at Shutdown; no panic",
			Call: func(t *testing.T, _ *badRig) error {
				sys, _ := badSystem(t, context.Background())
				c := sys.Caches().Cache(cache.TypeApplication, "sys")
				for range 3 {
					c.CountHit()
				}
				badinput.Fatal(t, sys.Shutdown(context.Background()))
				if s := sys.Snapshot().Caches.Caches; len(s) != 1 || s[0].Hits != 3 {
					t.Errorf("caches %+v, want 3 hits", s)
				}
				if h := sys.Health(); h.Status != healthscore.Healthy || h.Score != 100 {
					t.Errorf("health %+v, want healthy at 100", h)
				}
				return nil
			},
		},
	}
}
