package exporters

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/otelvitals/vitals/internal/spool"
)

// receiver stands in for an OTLP exporter whose receiver can be taken
// down: while down, Export fails with err; received keeps the value of
// the counter "n" of every export that got through.
type receiver struct {
	mu       sync.Mutex
	err      error
	calls    int
	received []int64
	shutdown bool
}

func newReceiver(*testing.T) *receiver { return &receiver{} }

func (r *receiver) Temporality(sdkmetric.InstrumentKind) metricdata.Temporality {
	return metricdata.CumulativeTemporality
}

func (r *receiver) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

func (r *receiver) ForceFlush(context.Context) error { return nil }

func (r *receiver) setDown(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
}

func (r *receiver) Export(_ context.Context, rm *metricdata.ResourceMetrics) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.err != nil {
		return r.err
	}
	r.received = append(r.received, counterValue(rm))
	return nil
}

func (r *receiver) Shutdown(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shutdown = true
	return nil
}

func (r *receiver) state() (calls int, received []int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls, append([]int64(nil), r.received...)
}

// counterValue returns the value of the sum "n" in rm, or -1.
func counterValue(rm *metricdata.ResourceMetrics) int64 {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if s, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "n" && len(s.DataPoints) == 1 {
				return s.DataPoints[0].Value
			}
		}
	}
	return -1
}

func counterExport(v int64) *metricdata.ResourceMetrics {
	return &metricdata.ResourceMetrics{ScopeMetrics: []metricdata.ScopeMetrics{{Metrics: []metricdata.Metrics{{
		Name: "n",
		Data: metricdata.Sum[int64]{Temporality: metricdata.CumulativeTemporality, IsMonotonic: true, DataPoints: []metricdata.DataPoint[int64]{{Value: v}}},
	}}}}}
}

var errRefused = errors.New("refused: bad data")

func unreachableErr() error {
	return &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
}

// TestRetryable checks which errors are tried again: those the OTLP
// specification calls retryable, an unreachable receiver and an ended
// context; and which are not: every other gRPC code, RESOURCE_EXHAUSTED
// without RetryInfo, refusals, and TLS failures.
func TestRetryable(t *testing.T) {
	withRetryInfo := func(c codes.Code, d time.Duration) error {
		s, err := status.New(c, "slow down").WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(d)})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Errorf("failed to upload metrics: %w", s.Err())
	}
	for _, tt := range []struct {
		name     string
		err      error
		want     bool
		throttle time.Duration
	}{
		{"connection refused", unreachableErr(), true, 0},
		{"url error, refused", &url.Error{Op: "Post", URL: "http://x", Err: unreachableErr()}, true, 0},
		{"url error, EOF", &url.Error{Op: "Post", URL: "http://x", Err: io.EOF}, true, 0},
		{"deadline", fmt.Errorf("export: %w", context.DeadlineExceeded), true, 0},
		{"cancelled", context.Canceled, true, 0},
		{"CANCELLED", status.Error(codes.Canceled, "x"), true, 0},
		{"DEADLINE_EXCEEDED", status.Error(codes.DeadlineExceeded, "x"), true, 0},
		{"ABORTED", status.Error(codes.Aborted, "x"), true, 0},
		{"OUT_OF_RANGE", status.Error(codes.OutOfRange, "x"), true, 0},
		{"UNAVAILABLE", status.Error(codes.Unavailable, "down"), true, 0},
		{"UNAVAILABLE, joined", errors.Join(errors.New("export"), status.Error(codes.Unavailable, "down")), true, 0},
		{"UNAVAILABLE with RetryInfo", withRetryInfo(codes.Unavailable, 3*time.Second), true, 3 * time.Second},
		{"DATA_LOSS", status.Error(codes.DataLoss, "x"), true, 0},
		{"RESOURCE_EXHAUSTED with RetryInfo", withRetryInfo(codes.ResourceExhausted, time.Second), true, time.Second},
		{"RESOURCE_EXHAUSTED", status.Error(codes.ResourceExhausted, "too big"), false, 0},
		{"INVALID_ARGUMENT", status.Error(codes.InvalidArgument, "bad"), false, 0},
		{"UNAUTHENTICATED", status.Error(codes.Unauthenticated, "who"), false, 0},
		{"PERMISSION_DENIED", status.Error(codes.PermissionDenied, "no"), false, 0},
		{"INTERNAL", status.Error(codes.Internal, "header key contains value with non-printable ASCII characters"), false, 0},
		{"UNIMPLEMENTED", status.Error(codes.Unimplemented, "no metrics here"), false, 0},
		{"UNAVAILABLE, TLS handshake", status.Error(codes.Unavailable, `connection error: desc = "transport: authentication handshake failed: tls: first record does not look like a TLS handshake"`), false, 0},
		{"UNAVAILABLE, handshake cut short", status.Error(codes.Unavailable, `connection error: desc = "transport: authentication handshake failed: EOF"`), true, 0},
		{"https to plain HTTP", &url.Error{Op: "Post", URL: "https://x", Err: http.ErrSchemeMismatch}, false, 0},
		{"untrusted certificate", &url.Error{Op: "Post", URL: "https://x", Err: &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}}, false, 0},
		{"invalid header", &url.Error{Op: "Post", URL: "http://x", Err: errors.New(`net/http: invalid header field value for "X-Tenant"`)}, false, 0},
		{"HTTP 400", errors.New("failed to send metrics to http://x/v1/metrics: 400 Bad Request (body: bad)"), false, 0},
		{"refused", errRefused, false, 0},
	} {
		got, throttle := retryable(tt.err)
		if got != tt.want || throttle != tt.throttle {
			t.Errorf("%s: retryable(%v) = %v, %v; want %v, %v", tt.name, tt.err, got, throttle, tt.want, tt.throttle)
		}
	}
}

// TestExportRetriesUntilReachable checks that an export failing because
// the receiver is unreachable is tried again until it gets through, and
// that a refused export is not tried again.
func TestExportRetriesUntilReachable(t *testing.T) {
	r := newReceiver(t)
	e := newReliableExporter(r, config{backoff: 10 * time.Millisecond}, via(r))
	r.setDown(unreachableErr())
	go func() {
		time.Sleep(50 * time.Millisecond)
		r.setDown(nil)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Export(ctx, counterExport(7)); err != nil {
		t.Fatalf("Export = %v, want it delivered once the receiver is back", err)
	}
	calls, received := r.state()
	if calls < 2 || len(received) != 1 || received[0] != 7 {
		t.Errorf("calls %d, received %v; want several calls and [7]", calls, received)
	}

	r.setDown(errRefused)
	if err := e.Export(ctx, counterExport(8)); !errors.Is(err, errRefused) {
		t.Errorf("Export = %v, want the refusal", err)
	}
	if c, _ := r.state(); c != calls+1 {
		t.Errorf("a refused export was tried %d times, want once", c-calls)
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestExportGivesUpAtDeadline checks that retries stop when the export's
// context ends, returning the receiver's error.
func TestExportGivesUpAtDeadline(t *testing.T) {
	r := newReceiver(t)
	e := newReliableExporter(r, config{backoff: 5 * time.Millisecond}, via(r))
	r.setDown(unreachableErr())
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	var opErr *net.OpError
	if err := e.Export(ctx, counterExport(1)); !errors.As(err, &opErr) {
		t.Errorf("Export = %v, want the receiver's error", err)
	}
	if calls, _ := r.state(); calls < 3 {
		t.Errorf("%d attempts in 100ms with a 5ms cap, want several", calls)
	}
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestSpoolRoundTrip checks the spool's whole path: the last undelivered
// export is written at Shutdown (not an earlier one), a delivered export
// leaves nothing behind, and the next exporter on the same directory
// delivers the spooled export and removes its file.
func TestSpoolRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "spool")
	cfg := config{backoff: 5 * time.Millisecond, spoolDir: dir, timeout: time.Second}
	ctx := context.Background()

	// A clean run spools nothing.
	r := newReceiver(t)
	e := newReliableExporter(r, cfg, via(r))
	if err := e.Export(ctx, counterExport(1)); err != nil {
		t.Fatal(err)
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if names, _ := (spool.Dir{Path: dir}).List(); len(names) != 0 {
		t.Fatalf("spool after a clean run: %v", names)
	}

	// The receiver goes down; two exports fail; the last one is spooled.
	r = newReceiver(t)
	e = newReliableExporter(r, cfg, via(r))
	r.setDown(unreachableErr())
	for _, v := range []int64{10, 20} {
		short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		if err := e.Export(short, counterExport(v)); err == nil {
			t.Fatal("Export to a receiver that is down: nil error")
		}
		cancel()
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	names, err := (spool.Dir{Path: dir}).List()
	if err != nil || len(names) != 1 {
		t.Fatalf("spool = %v, %v; want one file", names, err)
	}
	b, _ := (spool.Dir{Path: dir}).Read(names[0])
	if rm, err := spool.Decode(b); err != nil || counterValue(rm) != 20 {
		t.Fatalf("spooled export holds %v (%v), want the last value 20", rm, err)
	}

	// The next exporter delivers it in the background.
	r = newReceiver(t)
	e = newReliableExporter(r, cfg, via(r))
	waitFor(t, func() bool { _, got := r.state(); return len(got) == 1 })
	if _, got := r.state(); got[0] != 20 {
		t.Errorf("delivered %v, want [20]", got)
	}
	waitFor(t, func() bool { names, _ := (spool.Dir{Path: dir}).List(); return len(names) == 0 })
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestSpoolDeliveryStopsAtShutdown checks that an exporter whose receiver
// stays down keeps the spooled file and stops trying when it shuts down
// (goleak checks that no goroutine is left).
func TestSpoolDeliveryStopsAtShutdown(t *testing.T) {
	dir := t.TempDir()
	b, err := spool.Encode(counterExport(5))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (spool.Dir{Path: dir}).Write(b); err != nil {
		t.Fatal(err)
	}
	r := newReceiver(t)
	r.setDown(unreachableErr())
	e := newReliableExporter(r, config{backoff: 5 * time.Millisecond, spoolDir: dir, timeout: time.Hour}, via(r))
	waitFor(t, func() bool { c, _ := r.state(); return c >= 2 })
	done := make(chan error, 1)
	go func() { done <- e.Shutdown(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown waits for an unreachable receiver")
	}
	if names, _ := (spool.Dir{Path: dir}).List(); len(names) != 1 {
		t.Errorf("spool = %v, want the undelivered file kept", names)
	}
}

// TestSpoolDropsUnreadableAndRefused checks that a spooled file that
// cannot be decoded, or that the receiver refuses, is reported and removed
// instead of blocking the files after it, which are still delivered.
func TestSpoolDropsUnreadableAndRefused(t *testing.T) {
	var mu sync.Mutex
	var reported []error
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { mu.Lock(); reported = append(reported, err); mu.Unlock() }))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })

	dir := t.TempDir()
	d := spool.Dir{Path: dir}
	good, _ := spool.Encode(counterExport(3))
	if _, err := d.Write([]byte("not a document")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write(good); err != nil {
		t.Fatal(err)
	}
	r := newReceiver(t)
	e := newReliableExporter(r, config{backoff: 5 * time.Millisecond, spoolDir: dir}, via(r))
	waitFor(t, func() bool { _, got := r.state(); return len(got) == 1 })
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if names, _ := d.List(); len(names) != 0 {
		t.Errorf("spool = %v, want empty", names)
	}
	mu.Lock()
	if len(reported) != 1 || !errors.Is(reported[0], spool.ErrFormat) {
		t.Errorf("reported %v, want one ErrFormat", reported)
	}
	mu.Unlock()

	// A refused file is dropped too.
	if _, err := d.Write(good); err != nil {
		t.Fatal(err)
	}
	r = newReceiver(t)
	r.setDown(errRefused)
	e = newReliableExporter(r, config{backoff: 5 * time.Millisecond, spoolDir: dir}, via(r))
	waitFor(t, func() bool { names, _ := d.List(); return len(names) == 0 })
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if calls, _ := r.state(); calls != 1 {
		t.Errorf("a refused file was tried %d times, want once", calls)
	}
}

// TestSpoolWriteFailure checks that Shutdown reports a final export that
// could be neither delivered nor spooled.
func TestSpoolWriteFailure(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r := newReceiver(t)
	r.setDown(errRefused)
	e := newReliableExporter(r, config{spoolDir: filepath.Join(file, "spool")}, via(r))
	if err := e.Export(context.Background(), counterExport(1)); err == nil {
		t.Fatal("nil error")
	}
	if err := e.Shutdown(context.Background()); err == nil {
		t.Error("Shutdown = nil, want the spool's failure")
	}
}

// via returns a delivery constructor that hands out r.
func via(r *receiver) func() (sdkmetric.Exporter, error) {
	return func() (sdkmetric.Exporter, error) { return r, nil }
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(time.Millisecond)
	}
}
