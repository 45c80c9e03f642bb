package vitals_test

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/healthscore"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
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
			name: "nil system", api: "*vitals.System (every method)", input: "a nil *System",
			result: "no-ops: nil trackers, an empty snapshot, a healthy report, 200 probes, nil errors",
			call: func(t *testing.T, _ *badRig) error {
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
			name: "nil view", api: "vitals.WithView", input: "WithView(nil, nil)",
			result: "ignored, as nil options are: Start succeeds",
			call: func(t *testing.T, _ *badRig) error {
				sys, err := vitals.Start(context.Background(), vitals.WithView(nil, nil), vitals.WithExporterOptions(exporters.WithExporters(exporters.None)))
				if err == nil {
					err = sys.Shutdown(context.Background())
				}
				return err
			},
		},
		{
			name: "config liveness timeout under two samples", api: "Config.Validate", input: "QueueSampleInterval: 1m, LivenessTimeout: 1m",
			result: "ErrInvalidConfig naming the field", want: vitals.ErrInvalidConfig,
			call: validate("LivenessTimeout", vitals.Config{QueueSampleInterval: time.Minute, LivenessTimeout: time.Minute}),
		},
		{
			name: "config connection window of 1ns", api: "Config.Validate", input: "ConnectionWindow: 1ns",
			result: "ErrInvalidConfig naming the field", want: vitals.ErrInvalidConfig,
			call: validate("ConnectionWindow", vitals.Config{ConnectionWindow: time.Nanosecond}),
		},
		{
			name: "config NaN overflow threshold", api: "Config.Validate", input: "QueueOverflowThreshold: NaN",
			result: "ErrInvalidConfig naming the field", want: vitals.ErrInvalidConfig,
			call: validate("QueueOverflowThreshold", vitals.Config{QueueOverflowThreshold: math.NaN()}),
		},
		{
			name: "config +Inf overflow threshold", api: "Config.Validate", input: "QueueOverflowThreshold: +Inf",
			result: "ErrInvalidConfig naming the field", want: vitals.ErrInvalidConfig,
			call: validate("QueueOverflowThreshold", vitals.Config{QueueOverflowThreshold: math.Inf(1)}),
		},
		{
			name: "config -Inf overflow threshold", api: "Config.Validate", input: "QueueOverflowThreshold: -Inf",
			result: "ErrInvalidConfig naming the field", want: vitals.ErrInvalidConfig,
			call: validate("QueueOverflowThreshold", vitals.Config{QueueOverflowThreshold: math.Inf(-1)}),
		},
		{
			name: "config negative retention", api: "Config.Validate", input: "ConnectionRetention: -1s",
			result: "ErrInvalidConfig naming the field", want: vitals.ErrInvalidConfig,
			call: validate("ConnectionRetention", vitals.Config{ConnectionRetention: -time.Second}),
		},
		{
			name: "config negative queue limit", api: "Config.Validate", input: "MaxQueues: -1",
			result: "ErrInvalidConfig naming the field", want: vitals.ErrInvalidConfig,
			call: validate("MaxQueues", vitals.Config{MaxQueues: -1}),
		},
		{
			name: "config invalid UTF-8 time zone", api: "Config.Validate", input: `FeatureTimeZone: "Europe/\xffBerlin"`,
			result: "ErrInvalidConfig naming the field", want: vitals.ErrInvalidConfig,
			call: validate("FeatureTimeZone", vitals.Config{FeatureTimeZone: "Europe/\xffBerlin"}),
		},
		{
			name: "config 1 MiB time zone", api: "Config.Validate", input: "FeatureTimeZone: 1 MiB",
			result: "ErrInvalidConfig naming the field", want: vitals.ErrInvalidConfig,
			call: validate("FeatureTimeZone", vitals.Config{FeatureTimeZone: badMiB}),
		},
		{
			name: "config empty hash key", api: "Config.Validate", input: "UserHashKey: []byte{} (set, 0 bytes)",
			result: "ErrInvalidConfig naming the field", want: vitals.ErrInvalidConfig,
			call: validate("UserHashKey", vitals.Config{UserHashKey: []byte{}}),
		},
		{
			name: "start with invalid config", api: "Start", input: "WithConfig(Config{QueueWindow: -1})",
			result: "ErrInvalidConfig, no System", want: vitals.ErrInvalidConfig,
			call: func(t *testing.T, _ *badRig) error {
				sys, err := vitals.Start(context.Background(), vitals.WithConfig(vitals.Config{QueueWindow: -1}))
				if sys != nil {
					t.Error("a System was returned")
					_ = sys.Shutdown(context.Background())
				}
				return err
			},
		},
		{
			name: "start with nil context", api: "Start", input: "ctx: nil",
			result: "taken as context.Background(): the System records",
			call: func(t *testing.T, _ *badRig) error {
				sys, _ := badSystem(t, badNilCtx)
				sys.Caches().Cache(cache.TypeApplication, "sys").CountHit()
				if s := sys.Snapshot().Caches.Caches; len(s) != 1 || s[0].Hits != 1 {
					t.Errorf("caches %+v, want one hit", s)
				}
				return nil
			},
		},
		{
			name: "start with cancelled context", api: "Start", input: "ctx: cancelled",
			result: "ctx's error (context.Canceled), nothing started", want: context.Canceled,
			call: func(t *testing.T, _ *badRig) error {
				sys, err := vitals.Start(badCancelled(), vitals.WithExporterOptions(exporters.WithExporters(exporters.None)))
				if sys != nil {
					t.Error("a System was returned")
					_ = sys.Shutdown(context.Background())
				}
				return err
			},
		},
		{
			name: "start with nil option", api: "Start", input: "opts: nil",
			result: "ignored: the System records",
			call: func(t *testing.T, _ *badRig) error {
				sys, _ := badSystem(t, context.Background(), nil)
				sys.Features().Feature(feature.TypeComponent, "sys").Record(context.Background(), "", "", 0, true)
				if s := sys.Snapshot().Features.Features; len(s) != 1 || s[0].Uses != 1 {
					t.Errorf("features %+v, want one use", s)
				}
				return nil
			},
		},
		{
			name: "start with unknown exporter", api: "Start", input: `WithExporters("zipkin")`,
			result: "exporters.ErrUnknownExporter, no System", want: exporters.ErrUnknownExporter,
			call: func(t *testing.T, _ *badRig) error {
				sys, err := vitals.Start(context.Background(), vitals.WithExporterOptions(exporters.WithExporters("zipkin")))
				if sys != nil {
					t.Error("a System was returned")
					_ = sys.Shutdown(context.Background())
				}
				return err
			},
		},
		{
			name: "start with bad protocol", api: "Start", input: `WithOTLPProtocol("http/json")`,
			result: "exporters.ErrUnsupportedProtocol, no System", want: exporters.ErrUnsupportedProtocol,
			call: func(t *testing.T, _ *badRig) error {
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
			name: "flush with nil context", api: "System.ForceFlush", input: "ctx: nil (console exporter)",
			result: "taken as context.Background(): flushed, nil",
			call: func(t *testing.T, _ *badRig) error {
				var out syncBuffer
				sys := badConsoleSystem(t, &out)
				sys.Caches().Cache(cache.TypeApplication, "sys").CountHit()
				err := sys.ForceFlush(badNilCtx)
				if !strings.Contains(out.String(), semconv.CacheOperations.Name) {
					t.Error("nothing was flushed to the console")
				}
				return err
			},
		},
		{
			name: "flush with cancelled context", api: "System.ForceFlush", input: "ctx: cancelled (console exporter)",
			result: "ctx's error (context.Canceled)", want: context.Canceled,
			call: func(t *testing.T, _ *badRig) error {
				return badConsoleSystem(t, io.Discard).ForceFlush(badCancelled())
			},
		},
		{
			name: "shutdown with nil context", api: "System.Shutdown", input: "ctx: nil",
			result: "taken as context.Background(): stopped, nil",
			call: func(t *testing.T, _ *badRig) error {
				sys, reader := badSystem(t, context.Background())
				err := sys.Shutdown(badNilCtx)
				badCollectFails(t, reader)
				return err
			},
		},
		{
			name: "shutdown with cancelled context", api: "System.Shutdown", input: "ctx: cancelled",
			result: "stopped without waiting; nil or context.Canceled, the same on every later call", want: context.Canceled, orNil: true,
			call: func(t *testing.T, _ *badRig) error {
				sys, reader := badSystem(t, context.Background())
				err := sys.Shutdown(badCancelled())
				if again := sys.Shutdown(context.Background()); again != err {
					t.Errorf("second Shutdown %v, first %v", again, err)
				}
				badCollectFails(t, reader)
				return err
			},
		},
		{
			name: "shutdown twice", api: "System.Shutdown", input: "a second call",
			result: "idempotent: nil again",
			call: func(t *testing.T, _ *badRig) error {
				sys, _ := badSystem(t, context.Background())
				badFatal(t, sys.Shutdown(context.Background()))
				return sys.Shutdown(context.Background())
			},
		},
		{
			name: "system use after shutdown", api: "System.Connections/Queues/Caches/Features", input: "every tracker used, bad input included, after Shutdown",
			result: "no-op: nothing reported or counted; handles stay safe; the provider keeps its other series",
			call: func(t *testing.T, r *badRig) error {
				sys, err := vitals.Start(context.Background(), vitals.WithMeterProvider(r.reader.Provider))
				badFatal(t, err)
				sys.Connections().Pool("database", "sys").Open()
				sys.Queues().Queue(queue.TypeHTTP, "sys", 10).Enter()
				sys.Caches().Cache(cache.TypeApplication, "sys").CountHit()
				badFatal(t, sys.Shutdown(context.Background()))

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
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				if names := badSeriesNamed(rm, "sys"); len(names) > 0 {
					t.Errorf("still reported after Shutdown: %v", names)
				}
			},
		},
		{
			name: "snapshot and health after shutdown", api: "System.Snapshot, System.Health", input: "called after Shutdown",
			result: "answer with the state at Shutdown; no panic",
			call: func(t *testing.T, _ *badRig) error {
				sys, _ := badSystem(t, context.Background())
				c := sys.Caches().Cache(cache.TypeApplication, "sys")
				for range 3 {
					c.CountHit()
				}
				badFatal(t, sys.Shutdown(context.Background()))
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
