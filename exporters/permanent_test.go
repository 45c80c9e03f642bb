package exporters

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	collmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/otelvitals/vitals/internal/spool"
)

// The tests of this file give every export a 5s timeout: an export that
// ends well within it was not tried until its deadline.
const (
	permTimeout = 5 * time.Second
	permQuick   = time.Second
)

// httpReceiver is an OTLP/HTTP receiver on 127.0.0.1 that answers every
// request with the next status of its script (200 once it runs out), and
// counts the connections and requests it gets.
type httpReceiver struct {
	srv      *httptest.Server
	conns    atomic.Int64
	requests atomic.Int64
	mu       sync.Mutex
	script   []int
}

func startHTTPReceiver(t *testing.T, tlsServer bool, script ...int) *httpReceiver {
	t.Helper()
	r := &httpReceiver{script: script}
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		r.requests.Add(1)
		r.mu.Lock()
		code := http.StatusOK
		if len(r.script) > 0 {
			code, r.script = r.script[0], r.script[1:]
		}
		r.mu.Unlock()
		if code != http.StatusOK {
			http.Error(w, http.StatusText(code), code)
			return
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	r.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			r.conns.Add(1)
		}
	}
	if tlsServer {
		r.srv.StartTLS()
	} else {
		r.srv.Start()
	}
	t.Cleanup(r.srv.Close)
	return r
}

// endpoint returns the receiver's base URL with scheme.
func (r *httpReceiver) endpoint(scheme string) string {
	u, _ := url.Parse(r.srv.URL)
	u.Scheme = scheme
	return u.String()
}

// grpcReceiver is an OTLP/gRPC receiver on 127.0.0.1 that answers every
// export with the next error of its script (success once it runs out),
// and counts the exports it gets.
type grpcReceiver struct {
	collmetricpb.UnimplementedMetricsServiceServer
	addr    string
	exports atomic.Int64
	mu      sync.Mutex
	script  []error
}

func startGRPCReceiver(t *testing.T, script ...error) *grpcReceiver {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &grpcReceiver{addr: lis.Addr().String(), script: script}
	srv := grpc.NewServer()
	collmetricpb.RegisterMetricsServiceServer(srv, r)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return r
}

func (r *grpcReceiver) Export(context.Context, *collmetricpb.ExportMetricsServiceRequest) (*collmetricpb.ExportMetricsServiceResponse, error) {
	r.exports.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.script) > 0 {
		err := r.script[0]
		r.script = r.script[1:]
		return nil, err
	}
	return &collmetricpb.ExportMetricsServiceResponse{}, nil
}

// counted counts the exports made through an exporter: the attempts of
// the reliable exporter above it.
type counted struct {
	sdkmetric.Exporter
	calls atomic.Int64
}

func (c *counted) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	c.calls.Add(1)
	return c.Exporter.Export(ctx, rm)
}

// otlpAttempts returns a reliable OTLP exporter made as New makes it, and
// the counter of its attempts.
func otlpAttempts(t *testing.T, opts ...Option) (*reliableExporter, *counted) {
	t.Helper()
	cfg := newConfig(append([]Option{WithOTLPBackoff(10 * time.Millisecond), WithExportTimeout(permTimeout)}, opts...))
	proto, err := cfg.otlpProtocol()
	if err != nil {
		t.Fatal(err)
	}
	endpoint, err := url.Parse(cfg.endpoint)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := newOTLPExporter(context.Background(), cfg, otlpEnv{}, proto, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	c := &counted{Exporter: exp}
	e := newReliableExporter(c, cfg, func() (sdkmetric.Exporter, error) {
		return newOTLPExporter(context.Background(), cfg, otlpEnv{}, proto, endpoint)
	})
	t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
	return e, c
}

// exportOnce makes one export through e with the test's timeout, and
// returns how long it took and its error.
func exportOnce(e sdkmetric.Exporter, v int64) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), permTimeout)
	defer cancel()
	began := time.Now()
	err := e.Export(ctx, counterExport(v))
	return time.Since(began), err
}

// TestPermanentHTTPStatusTriedOnce checks that an HTTP status the OTLP
// specification does not call retryable (400 here) costs one request per
// export, fails at once with ErrPermanent, and that the retryable ones
// (429, 502, 503, 504) are tried again until they get through.
func TestPermanentHTTPStatusTriedOnce(t *testing.T) {
	for _, code := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusInternalServerError} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			r := startHTTPReceiver(t, false, code, code, code)
			e, _ := otlpAttempts(t, WithOTLPProtocol(ProtocolHTTPProtobuf), WithOTLPEndpoint(r.endpoint("http")))
			for i := int64(1); i <= 3; i++ {
				took, err := exportOnce(e, i)
				if !errors.Is(err, ErrPermanent) || took > permQuick {
					t.Errorf("export %d: %v after %v; want ErrPermanent at once", i, err, took)
				}
				if got := r.requests.Load(); got != i {
					t.Errorf("after export %d the receiver got %d requests, want %d", i, got, i)
				}
			}
		})
	}
	t.Run("retryable", func(t *testing.T) {
		r := startHTTPReceiver(t, false, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout)
		e, _ := otlpAttempts(t, WithOTLPProtocol(ProtocolHTTPProtobuf), WithOTLPEndpoint(r.endpoint("http")))
		if took, err := exportOnce(e, 1); err != nil {
			t.Fatalf("export: %v after %v, want it delivered on the fifth request", err, took)
		}
		if got := r.requests.Load(); got != 5 {
			t.Errorf("the receiver got %d requests, want 5", got)
		}
	})
}

// TestPermanentTLSMismatchTriedOnce checks that https:// against a
// plain-HTTP receiver, and http:// against a TLS one, cost one connection
// per export and fail at once with ErrPermanent, over HTTP; and over gRPC,
// that https:// against a plain receiver costs one attempt per export.
func TestPermanentTLSMismatchTriedOnce(t *testing.T) {
	for _, tt := range []struct {
		name      string
		tlsServer bool
		scheme    string
	}{
		{"https to plain HTTP", false, "https"},
		{"http to TLS", true, "http"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := startHTTPReceiver(t, tt.tlsServer)
			e, attempts := otlpAttempts(t, WithOTLPProtocol(ProtocolHTTPProtobuf), WithOTLPEndpoint(r.endpoint(tt.scheme)))
			for i := int64(1); i <= 2; i++ {
				took, err := exportOnce(e, i)
				if !errors.Is(err, ErrPermanent) || took > permQuick {
					t.Errorf("export %d: %v after %v; want ErrPermanent at once", i, err, took)
				}
				if got := r.conns.Load(); got != i {
					t.Errorf("after export %d the receiver got %d connections, want %d", i, got, i)
				}
				if got := attempts.calls.Load(); got != i {
					t.Errorf("after export %d: %d attempts, want %d", i, got, i)
				}
			}
			if got := r.requests.Load(); got != 0 {
				t.Errorf("the receiver answered %d requests, want none", got)
			}
		})
	}
	t.Run("gRPC https to plain", func(t *testing.T) {
		r := startGRPCReceiver(t)
		e, attempts := otlpAttempts(t, WithOTLPProtocol(ProtocolGRPC), WithOTLPEndpoint("https://"+r.addr))
		for i := int64(1); i <= 2; i++ {
			took, err := exportOnce(e, i)
			if !errors.Is(err, ErrPermanent) || !strings.Contains(err.Error(), "tls: ") || took > permQuick {
				t.Errorf("export %d: %v after %v; want ErrPermanent for the TLS handshake at once", i, err, took)
			}
			if got := attempts.calls.Load(); got != i {
				t.Errorf("after export %d: %d attempts, want %d", i, got, i)
			}
		}
		if got := r.exports.Load(); got != 0 {
			t.Errorf("the receiver got %d exports, want none", got)
		}
	})
}

// TestPermanentHeaderTriedOnce checks that a header from the environment
// that cannot be sent (a value with CR LF) fails each export at once,
// after one attempt that never reaches the receiver, over both protocols.
func TestPermanentHeaderTriedOnce(t *testing.T) {
	t.Run(ProtocolHTTPProtobuf, func(t *testing.T) {
		t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=a%0D%0AX-Injected: 1")
		r := startHTTPReceiver(t, false)
		e, attempts := otlpAttempts(t, WithOTLPProtocol(ProtocolHTTPProtobuf), WithOTLPEndpoint(r.endpoint("http")))
		for i := int64(1); i <= 2; i++ {
			if took, err := exportOnce(e, i); !errors.Is(err, ErrPermanent) || took > permQuick {
				t.Errorf("export %d: %v after %v; want ErrPermanent at once", i, err, took)
			}
			if got := attempts.calls.Load(); got != i {
				t.Errorf("after export %d: %d attempts, want %d", i, got, i)
			}
		}
		if got := r.conns.Load(); got != 0 {
			t.Errorf("the receiver got %d connections, want none", got)
		}
	})
	t.Run(ProtocolGRPC, func(t *testing.T) {
		t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=a%0D%0Ab")
		r := startGRPCReceiver(t)
		e, attempts := otlpAttempts(t, WithOTLPProtocol(ProtocolGRPC), WithOTLPEndpoint("http://"+r.addr))
		for i := int64(1); i <= 2; i++ {
			if took, err := exportOnce(e, i); !errors.Is(err, ErrPermanent) || took > permQuick {
				t.Errorf("export %d: %v after %v; want ErrPermanent at once", i, err, took)
			}
			if got := attempts.calls.Load(); got != i {
				t.Errorf("after export %d: %d attempts, want %d", i, got, i)
			}
		}
		if got := r.exports.Load(); got != 0 {
			t.Errorf("the receiver got %d exports, want none", got)
		}
	})
}

// TestPermanentGRPCCodeTriedOnce checks, against a gRPC receiver, that the
// codes the OTLP specification does not call retryable cost one export
// each, and that the retryable ones (RESOURCE_EXHAUSTED only with
// RetryInfo) are tried until they get through.
func TestPermanentGRPCCodeTriedOnce(t *testing.T) {
	retryInfo := func(c codes.Code) error {
		s, err := status.New(c, "slow down").WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(20 * time.Millisecond)})
		if err != nil {
			t.Fatal(err)
		}
		return s.Err()
	}
	for _, tt := range []struct {
		name   string
		script []error
		want   int64 // exports the receiver gets
		err    error // the error of the export
	}{
		{"INVALID_ARGUMENT", []error{status.Error(codes.InvalidArgument, "bad")}, 1, ErrPermanent},
		{"UNAUTHENTICATED", []error{status.Error(codes.Unauthenticated, "who")}, 1, ErrPermanent},
		{"INTERNAL", []error{status.Error(codes.Internal, "oops")}, 1, ErrPermanent},
		{"RESOURCE_EXHAUSTED", []error{status.Error(codes.ResourceExhausted, "too big")}, 1, ErrPermanent},
		{"RESOURCE_EXHAUSTED with RetryInfo", []error{retryInfo(codes.ResourceExhausted), retryInfo(codes.ResourceExhausted)}, 3, nil},
		{"UNAVAILABLE", []error{status.Error(codes.Unavailable, "later"), status.Error(codes.Unavailable, "later")}, 3, nil},
		{"the other retryable codes", []error{
			status.Error(codes.Canceled, "x"), status.Error(codes.DeadlineExceeded, "x"), status.Error(codes.Aborted, "x"),
			status.Error(codes.OutOfRange, "x"), status.Error(codes.DataLoss, "x"),
		}, 6, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := startGRPCReceiver(t, tt.script...)
			e, _ := otlpAttempts(t, WithOTLPProtocol(ProtocolGRPC), WithOTLPEndpoint("http://"+r.addr))
			took, err := exportOnce(e, 1)
			if tt.err == nil && err != nil || tt.err != nil && !errors.Is(err, tt.err) || took > permQuick {
				t.Errorf("export: %v after %v, want %v at once", err, took, tt.err)
			}
			if got := r.exports.Load(); got != tt.want {
				t.Errorf("the receiver got %d exports, want %d", got, tt.want)
			}
		})
	}
}

// TestPermanentRefusalDropsSpooledFile checks that a spooled export the
// receiver refuses (HTTP 400, gRPC INVALID_ARGUMENT) is tried once,
// reported once and removed, not retried until Shutdown.
func TestPermanentRefusalDropsSpooledFile(t *testing.T) {
	for _, proto := range []string{ProtocolHTTPProtobuf, ProtocolGRPC} {
		t.Run(proto, func(t *testing.T) {
			var mu sync.Mutex
			var reported []error
			prev := otel.GetErrorHandler()
			otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { mu.Lock(); reported = append(reported, err); mu.Unlock() }))
			t.Cleanup(func() { otel.SetErrorHandler(prev) })

			dir := filepath.Join(t.TempDir(), "spool")
			b, err := spool.Encode(counterExport(9))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := (spool.Dir{Path: dir}).Write(b); err != nil {
				t.Fatal(err)
			}
			var endpoint string
			var got func() int64
			if proto == ProtocolGRPC {
				r := startGRPCReceiver(t, status.Error(codes.InvalidArgument, "bad"))
				endpoint, got = "http://"+r.addr, r.exports.Load
			} else {
				r := startHTTPReceiver(t, false, http.StatusBadRequest)
				endpoint, got = r.endpoint("http"), r.requests.Load
			}
			reader, err := NewOTLP(context.Background(), WithOTLPProtocol(proto), WithOTLPEndpoint(endpoint),
				WithSpoolDir(dir), WithOTLPBackoff(10*time.Millisecond), WithExportInterval(time.Hour), WithExportTimeout(permTimeout))
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, func() bool { names, _ := (spool.Dir{Path: dir}).List(); return len(names) == 0 })
			time.Sleep(200 * time.Millisecond) // twenty backoffs: time to try again, if it did
			if err := reader.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := got(); n != 1 {
				t.Errorf("the refused file was sent %d times, want once", n)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(reported) != 1 || !errors.Is(reported[0], ErrPermanent) || !strings.Contains(reported[0].Error(), "dropping spooled export") {
				t.Errorf("reported %v, want the dropped file once", reported)
			}
		})
	}
}

// TestTransientFailureKeepsSpooledFile checks the other side: while the
// receiver answers 503, a spooled file is tried again and again, and kept
// when the exporter shuts down.
func TestTransientFailureKeepsSpooledFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "spool")
	b, _ := spool.Encode(counterExport(9))
	if _, err := (spool.Dir{Path: dir}).Write(b); err != nil {
		t.Fatal(err)
	}
	codes := make([]int, 1000)
	for i := range codes {
		codes[i] = http.StatusServiceUnavailable
	}
	r := startHTTPReceiver(t, false, codes...)
	reader, err := NewOTLP(context.Background(), WithOTLPProtocol(ProtocolHTTPProtobuf), WithOTLPEndpoint(r.endpoint("http")),
		WithSpoolDir(dir), WithOTLPBackoff(10*time.Millisecond), WithExportInterval(time.Hour), WithExportTimeout(permTimeout))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return r.requests.Load() >= 3 })
	if err := reader.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if names, _ := (spool.Dir{Path: dir}).List(); len(names) != 1 {
		t.Errorf("spool = %v, want the file kept for the next start", names)
	}
}

// TestHeaderProblems checks which WithOTLPHeaders New refuses, per
// protocol, and that the error names the header but not its value.
func TestHeaderProblems(t *testing.T) {
	for _, tt := range []struct {
		proto, name, value string
		bad                bool
	}{
		{ProtocolHTTPProtobuf, "Authorization", "Bearer s3cret", false},
		{ProtocolHTTPProtobuf, "x-tenant", "a\tb ü", false},
		{ProtocolHTTPProtobuf, "x-tenant", "a\r\nX-Injected: 1", true},
		{ProtocolHTTPProtobuf, "x-tenant", "a\x00", true},
		{ProtocolHTTPProtobuf, "x tenant", "v4lue", true},
		{ProtocolHTTPProtobuf, "x-tenant:", "v4lue", true},
		{ProtocolHTTPProtobuf, "", "v4lue", true},
		{ProtocolGRPC, "Authorization", "Bearer s3cret", false},
		{ProtocolGRPC, "x-trace-bin", "\x00\xff", false},
		{ProtocolGRPC, "x-tenant", "a\r\nb", true},
		{ProtocolGRPC, "x-tenant", "ü", true},
		{ProtocolGRPC, "x/tenant", "v4lue", true},
	} {
		err := checkHeaders(tt.proto, map[string]string{"ok": "fine", tt.name: tt.value})
		if got := err != nil; got != tt.bad {
			t.Errorf("%s %q: %q: error %v, want one: %v", tt.proto, tt.name, tt.value, err, tt.bad)
		}
		if err != nil && (!errors.Is(err, ErrInvalidSetting) || !strings.Contains(err.Error(), tt.name) || strings.Contains(err.Error(), tt.value)) {
			t.Errorf("%s %q: error %q, want ErrInvalidSetting naming the header and not its value", tt.proto, tt.name, err)
		}
	}
}

// TestDurationFloors checks that intervals, timeouts and backoffs below
// their floors, from options or the environment, are raised to them, and
// that values the SDK refuses are left to it.
func TestDurationFloors(t *testing.T) {
	for _, tt := range []struct {
		name                 string
		env                  [2]string // interval, timeout
		opts                 []Option
		interval, timeout, b time.Duration
	}{
		{name: "unset", b: 0},
		{name: "tiny options", opts: []Option{WithExportInterval(time.Nanosecond), WithExportTimeout(time.Nanosecond), WithOTLPBackoff(time.Nanosecond)},
			interval: MinExportInterval, timeout: MinExportTimeout, b: MinOTLPBackoff},
		{name: "ordinary options", opts: []Option{WithExportInterval(time.Second), WithExportTimeout(2 * time.Second), WithOTLPBackoff(time.Second)},
			interval: time.Second, timeout: 2 * time.Second, b: time.Second},
		{name: "non-positive options", opts: []Option{WithExportInterval(-1), WithExportTimeout(0), WithOTLPBackoff(-time.Second)}},
		{name: "tiny environment", env: [2]string{"1", "1"}, interval: MinExportInterval, timeout: MinExportTimeout},
		{name: "ordinary environment", env: [2]string{"1500", "700"}, interval: 1500 * time.Millisecond, timeout: 700 * time.Millisecond},
		{name: "environment the SDK refuses", env: [2]string{"-5", "soon"}},
		{name: "options win", env: [2]string{"1", "1"}, opts: []Option{WithExportInterval(time.Minute)}, interval: time.Minute, timeout: MinExportTimeout},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", tt.env[0])
			t.Setenv("OTEL_METRIC_EXPORT_TIMEOUT", tt.env[1])
			c := newConfig(tt.opts)
			if c.interval != tt.interval || c.timeout != tt.timeout || c.backoff != tt.b {
				t.Errorf("interval, timeout, backoff = %v, %v, %v; want %v, %v, %v", c.interval, c.timeout, c.backoff, tt.interval, tt.timeout, tt.b)
			}
		})
	}
}

// TestTinyIntervalDoesNotSpin checks that a 1ns export interval exports at
// the floor's pace, not in a loop.
func TestTinyIntervalDoesNotSpin(t *testing.T) {
	var exports atomic.Int64
	reader, err := NewConsole(WithConsoleWriter(writerFunc(func(b []byte) (int, error) { exports.Add(1); return len(b), nil })), WithExportInterval(time.Nanosecond))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	c, _ := mp.Meter("test").Int64Counter("n")
	c.Add(context.Background(), 1)
	time.Sleep(550 * time.Millisecond)
	if err := mp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Five at 100ms, and the final export.
	if n := exports.Load(); n > 7 {
		t.Errorf("%d exports in 550ms with a 1ns interval, want at most 7", n)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// TestUnsafeSpoolDirRefused checks that New refuses a spool directory that
// is a symbolic link, or that others may write in, and leaves its mode
// alone.
func TestUnsafeSpoolDirRefused(t *testing.T) {
	base := t.TempDir()
	open := filepath.Join(base, "open")
	if err := os.Mkdir(open, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	private := filepath.Join(base, "private")
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(private, link); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{open, link} {
		reader, err := NewOTLP(context.Background(), WithOTLPProtocol(ProtocolHTTPProtobuf), WithOTLPEndpoint("http://127.0.0.1:1"), WithSpoolDir(dir))
		if !errors.Is(err, ErrInvalidSetting) || !errors.Is(err, spool.ErrUnsafeDir) || reader != nil {
			t.Errorf("NewOTLP with spool dir %s = %v, %v; want ErrInvalidSetting and no reader", dir, reader, err)
		}
	}
	if info, err := os.Stat(open); err != nil || info.Mode().Perm() != 0o777 {
		t.Errorf("mode of %s = %v, %v; want it left 0777", open, info.Mode().Perm(), err)
	}
	reader, err := NewOTLP(context.Background(), WithOTLPProtocol(ProtocolHTTPProtobuf), WithOTLPEndpoint("http://127.0.0.1:1"), WithSpoolDir(private))
	if err != nil {
		t.Fatalf("NewOTLP with a 0700 spool dir: %v", err)
	}
	if err := reader.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}
