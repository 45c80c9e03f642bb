package exporters

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/otelvitals/vitals/internal/spool"
)

// DefaultOTLPBackoff is the longest wait between attempts to reach the OTLP
// receiver when [WithOTLPBackoff] does not say otherwise.
const DefaultOTLPBackoff = 5 * time.Second

// firstBackoff is the first wait between attempts, unless the cap is lower.
const firstBackoff = 100 * time.Millisecond

// spoolDeliveryTimeout bounds one attempt to deliver a spooled export when
// no export timeout is configured.
const spoolDeliveryTimeout = 10 * time.Second

// reliableExporter wraps an OTLP exporter so that no export is lost to a
// receiver that is briefly unreachable:
//
//   - an export that fails because the receiver cannot be reached is tried
//     again, with backoff, until its context is done (for the final export
//     of a shutdown, that is the deadline given to Shutdown);
//   - with a spool, the last export that still failed when the exporter
//     shuts down is written to disk, and the spooled exports of earlier
//     processes are delivered in the background.
//
// Under cumulative temporality, the default, the last export holds every
// total, so keeping it is enough to lose nothing.
type reliableExporter struct {
	sdkmetric.Exporter
	maxWait time.Duration
	spool   *spool.Dir // nil: no spool
	timeout time.Duration

	mu      sync.Mutex
	pending []byte // the last export, encoded, if it failed

	stop context.CancelFunc
	done chan struct{}
}

func newReliableExporter(inner sdkmetric.Exporter, cfg config) *reliableExporter {
	e := &reliableExporter{Exporter: inner, maxWait: cfg.otlpBackoff(), timeout: cfg.timeout, done: make(chan struct{})}
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

// Export sends rm, trying again while the receiver is unreachable and ctx
// allows.
func (e *reliableExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	err := e.exportRetrying(ctx, rm)
	if e.spool == nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err == nil {
		e.pending = nil
		return nil
	}
	// rm is reused by the reader once Export returns: keep a copy.
	b, encErr := spool.Encode(rm)
	if encErr != nil {
		return errors.Join(err, encErr)
	}
	e.pending = b
	return err
}

func (e *reliableExporter) exportRetrying(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	wait := min(firstBackoff, e.maxWait)
	for {
		err := e.Exporter.Export(ctx, rm)
		if err == nil || !unreachable(err) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(2*wait, e.maxWait)
	}
}

// unreachable reports whether err says the receiver could not be reached or
// is unavailable for now, as opposed to having refused the data.
func unreachable(err error) bool {
	var (
		urlErr *url.Error
		netErr *net.OpError
	)
	if errors.As(err, &urlErr) || errors.As(err, &netErr) {
		return true
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Aborted:
		return true
	}
	return false
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

// deliverSpooled sends the spooled exports, oldest first, each until it is
// delivered or ctx is cancelled; delivered ones are removed. A file that
// cannot be read is reported and removed, so that it does not block the
// others.
func (e *reliableExporter) deliverSpooled(ctx context.Context) {
	defer close(e.done)
	names, err := e.spool.List()
	if err != nil {
		otel.Handle(err)
		return
	}
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
		if err != nil {
			otel.Handle(fmt.Errorf("exporters: dropping spooled export %s: %w", name, err))
			if err := e.spool.Remove(name); err != nil {
				otel.Handle(err)
			}
			continue
		}
		for {
			attempt, cancel := context.WithTimeout(ctx, timeout)
			err := e.exportRetrying(attempt, rm)
			cancel()
			if ctx.Err() != nil {
				return
			}
			if err == nil {
				if err := e.spool.Remove(name); err != nil {
					otel.Handle(err)
				}
				break
			}
			if !unreachable(err) && !errors.Is(err, context.DeadlineExceeded) {
				otel.Handle(fmt.Errorf("exporters: dropping spooled export %s, refused by the receiver: %w", name, err))
				if err := e.spool.Remove(name); err != nil {
					otel.Handle(err)
				}
				break
			}
		}
	}
}
