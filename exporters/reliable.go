package exporters

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/otelvitals/vitals/internal/spool"
)

// ErrPermanent is wrapped by the error of an OTLP export that failed in a
// way trying again cannot fix: the receiver refused the data (any HTTP
// status but 429, 502, 503 and 504; any gRPC code the OTLP specification
// does not list as retryable), or the request could not be made at all (a
// header that cannot be sent, a TLS mismatch or an untrusted certificate).
// Such an export is tried once.
var ErrPermanent = errors.New("exporters: OTLP export failed permanently, not retried")

// DefaultOTLPBackoff is the longest wait between attempts to reach the OTLP
// receiver when [WithOTLPBackoff] does not say otherwise.
const DefaultOTLPBackoff = 5 * time.Second

// firstBackoff is the first wait between attempts, unless the cap is lower.
const firstBackoff = 100 * time.Millisecond

// lastTry is the time an attempt is given, at least, before the caller's
// deadline: a wait that would leave less is cut short to leave it.
const lastTry = 50 * time.Millisecond

// spoolDeliveryTimeout bounds one attempt to deliver a spooled export when
// no export timeout is configured.
const spoolDeliveryTimeout = 10 * time.Second

// reliableExporter wraps an OTLP exporter so that no export is lost to a
// receiver that is briefly unreachable:
//
//   - an export that fails for a reason the OTLP specification calls
//     transient is tried again, with backoff, until its context is done
//     (for the final export of a shutdown, that is the deadline given to
//     Shutdown); one that fails permanently is not;
//   - with a spool, the last export that still failed when the exporter
//     shuts down is written to disk, and the spooled exports of earlier
//     processes are delivered in the background, through an exporter of
//     their own.
//
// Under cumulative temporality, the default, the last export holds every
// total, so keeping it is enough to lose nothing.
type reliableExporter struct {
	sdkmetric.Exporter
	maxWait time.Duration
	spool   *spool.Dir // nil: no spool
	timeout time.Duration
	// delivery returns the exporter that delivers the spool, never the
	// periodic one: an export holds the exporter's lock throughout.
	delivery func() (sdkmetric.Exporter, error)

	mu      sync.Mutex
	pending []byte // the last export, encoded, if it failed

	stop context.CancelFunc
	done chan struct{}
}

func newReliableExporter(inner sdkmetric.Exporter, cfg config, delivery func() (sdkmetric.Exporter, error)) *reliableExporter {
	e := &reliableExporter{Exporter: inner, maxWait: cfg.otlpBackoff(), timeout: cfg.timeout, delivery: delivery, done: make(chan struct{})}
	if cfg.spoolDir == "" {
		close(e.done)
		e.stop = func() {}
		return e
	}
	e.spool = &spool.Dir{Path: cfg.spoolDir}
	ctx, cancel := context.WithCancel(context.Background())
	e.stop = cancel
	go e.deliverSpooled(ctx)
	return e
}

// Export sends rm, trying again after transient failures while ctx
// allows.
func (e *reliableExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	err := e.send(ctx, e.Exporter, rm, 0)
	if e.spool == nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err == nil {
		e.pending = nil
		return nil
	}
	// rm is reused by the reader once Export returns: keep a copy. A
	// permanent failure is kept too: it may come of a setting the next
	// start has fixed, and that start tries it once.
	b, encErr := spool.Encode(rm)
	if encErr != nil {
		return errors.Join(err, encErr)
	}
	e.pending = b
	return err
}

// send exports rm through exp until it is delivered, fails permanently
// (the error then wraps ErrPermanent) or ctx is done; each attempt is
// bounded by attempt, if positive. Waits between attempts grow from 100ms
// to e.maxWait, or follow the receiver's RetryInfo, and none runs past
// ctx's deadline: a wait that would is cut short to leave the last attempt
// lastTry, or, if even that does not fit or the receiver asked for a
// longer one, send gives up at once.
func (e *reliableExporter) send(ctx context.Context, exp sdkmetric.Exporter, rm *metricdata.ResourceMetrics, attempt time.Duration) error {
	wait := min(firstBackoff, e.maxWait)
	for {
		actx, cancel := ctx, context.CancelFunc(func() {})
		if attempt > 0 {
			actx, cancel = context.WithTimeout(ctx, attempt)
		}
		err := exp.Export(actx, rm)
		cancel()
		if err == nil {
			return nil
		}
		retry, throttle := retryable(err)
		if !retry {
			return fmt.Errorf("%w: %w", ErrPermanent, err)
		}
		if ctx.Err() != nil {
			return err
		}
		d := max(jitter(wait), throttle)
		if deadline, ok := ctx.Deadline(); ok {
			if left := time.Until(deadline) - lastTry; d > left {
				if left <= 0 || throttle > left {
					return err
				}
				d = left
			}
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(2*wait, e.maxWait)
	}
}

// jitter returns d give or take 20%, so that a fleet that lost its
// collector does not come back in step.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// retryable reports whether the export that failed with err may succeed
// if tried again, and how long the receiver asked to wait first. It
// follows the OTLP specification ("Failures" in
// opentelemetry-proto/docs/specification.md): over gRPC, CANCELLED,
// DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE and DATA_LOSS are
// retryable, RESOURCE_EXHAUSTED only with RetryInfo, and every other code
// is not; over HTTP, the exporter itself retries 429, 502, 503 and 504
// (see newOTLPExporter), so a status that reaches this is another one, and
// is not. A receiver that cannot be reached (connection refused, reset or
// closed early, a timeout, a name that does not resolve) is retryable;
// anything else, such as a header that cannot be sent or a TLS handshake
// that cannot succeed, is not.
func retryable(err error) (bool, time.Duration) {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true, 0
	}
	if tlsFailure(err) {
		return false, 0
	}
	if s, ok := status.FromError(err); ok && s.Code() != codes.Unknown {
		delay, hasInfo := retryInfo(s)
		switch s.Code() {
		case codes.Canceled, codes.DeadlineExceeded, codes.Aborted, codes.OutOfRange, codes.DataLoss:
			return true, delay
		case codes.Unavailable:
			// gRPC reports a failed TLS handshake as UNAVAILABLE, but
			// no later handshake will go better.
			m := s.Message()
			if strings.Contains(m, "authentication handshake failed") && (strings.Contains(m, "tls: ") || strings.Contains(m, "x509: ")) {
				return false, 0
			}
			return true, delay
		case codes.ResourceExhausted:
			return hasInfo, delay
		}
		return false, 0
	}
	// *net.OpError is dialling, reading or writing: refused, reset,
	// unresolved names; EOF is a connection closed before the response.
	var opErr *net.OpError
	if errors.As(err, &opErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true, 0
	}
	// *url.Error is a net.Error too, whatever its cause: only its
	// timeouts count.
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true, 0
	}
	return false, 0
}

// retryInfo returns the delay of s's RetryInfo (google.rpc.RetryInfo, the
// only detail with a retry delay), and whether it has one.
func retryInfo(s *status.Status) (time.Duration, bool) {
	for _, d := range s.Details() {
		if ri, ok := d.(interface{ GetRetryDelay() *durationpb.Duration }); ok {
			return max(ri.GetRetryDelay().AsDuration(), 0), true
		}
	}
	return 0, false
}

// tlsFailure reports whether err is an HTTP client's failure to speak TLS
// with the receiver: a plain-HTTP answer to https, an untrusted or invalid
// certificate, or an alert from the receiver.
func tlsFailure(err error) bool {
	var (
		record    tls.RecordHeaderError
		verify    *tls.CertificateVerificationError
		alert     tls.AlertError
		authority x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
	)
	return errors.Is(err, http.ErrSchemeMismatch) || errors.As(err, &record) || errors.As(err, &verify) ||
		errors.As(err, &alert) || errors.As(err, &authority) || errors.As(err, &hostname) || errors.As(err, &invalid)
}

// Shutdown stops the delivery of spooled exports, writes the last export
// to the spool if it was never delivered, and shuts the exporter down.
func (e *reliableExporter) Shutdown(ctx context.Context) error {
	e.stop()
	<-e.done
	var err error
	e.mu.Lock()
	pending := e.pending
	e.pending = nil
	e.mu.Unlock()
	if pending != nil {
		name, werr := e.spool.Write(pending)
		if werr != nil {
			err = fmt.Errorf("exporters: the last export was not delivered and could not be spooled: %w", werr)
		} else {
			otel.Handle(fmt.Errorf("exporters: the last export was not delivered; spooled to %s for the next start", name))
		}
	}
	return errors.Join(err, e.Exporter.Shutdown(ctx))
}

// deliverSpooled sends the spooled exports, oldest first, through an
// exporter of its own, each until it is delivered, fails permanently or
// ctx is cancelled (the exporter shuts down); a delivered file is
// removed, and so is, reported, one refused for good or one that cannot
// be read, so that it does not hold up the others.
func (e *reliableExporter) deliverSpooled(ctx context.Context) {
	defer close(e.done)
	names, err := e.spool.List()
	if err != nil {
		otel.Handle(fmt.Errorf("exporters: cannot deliver the spooled exports: %w", err))
		return
	}
	if len(names) == 0 {
		return
	}
	exp, err := e.delivery()
	if err != nil {
		otel.Handle(fmt.Errorf("exporters: cannot deliver the spooled exports: %w", err))
		return
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = exp.Shutdown(sctx)
	}()
	timeout := e.timeout
	if timeout <= 0 {
		timeout = spoolDeliveryTimeout
	}
	for _, name := range names {
		b, err := e.spool.Read(name)
		var rm *metricdata.ResourceMetrics
		if err == nil {
			rm, err = spool.Decode(b)
		}
		if err == nil {
			err = e.send(ctx, exp, rm, timeout)
		}
		if ctx.Err() != nil {
			return // shut down: the file is kept for the next start
		}
		if err != nil {
			otel.Handle(fmt.Errorf("exporters: dropping spooled export %s: %w", name, err))
		}
		if err := e.spool.Remove(name); err != nil {
			otel.Handle(err)
		}
	}
}
