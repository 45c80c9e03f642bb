package goredis

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelvitals/vitals/semconv"
)

// RecordCreateTime adds a go-redis hook to client that records, in the
// official db.client.connection.create_time histogram of pool poolName,
// how long each connection the client opens took to dial: from the call to
// go-redis's dialer to the connection it returned, so the TCP connect and,
// with TLS, the TLS handshake. The protocol handshake go-redis sends on the
// new connection before its first command (HELLO, AUTH, SELECT, CLIENT
// SETINFO) is not included: a hook cannot see where it ends. A dial that
// fails opened no connection and is not recorded.
//
// The hook goes where the client dials, as [InstrumentClient] adds its
// own: to a *redis.Client, to each node client a *redis.ClusterClient
// creates after the call (so call it before the first command), to the
// shards of a *redis.Ring and those it creates later. Call it once per
// client: a second call records every dial twice. The options that apply
// are [WithMeterProvider] and [WithClock]; poolName is cleaned as in
// [RegisterPoolStats], and should be the name given there.
//
// A nil client (a nil interface or a nil pointer) is a no-op. If the
// histogram cannot be made, nothing is added and the error is returned.
// The hook is safe for concurrent use; recording a dial allocates nothing
// beyond what the SDK does.
func RecordCreateTime(client redis.UniversalClient, poolName string, opts ...Option) error {
	if isNil(client) {
		return nil
	}
	cfg, err := newConfig(opts)
	if errors.Is(err, ErrNegativePoolSize) {
		err = nil // the pool size plays no part here
	}
	m := cfg.provider.Meter(ScopeName, metric.WithInstrumentationVersion(Version), metric.WithSchemaURL(semconv.SchemaURL))
	hist, herr := semconv.DBClientConnectionCreateTime.New(m)
	if herr != nil {
		return errors.Join(err, herr)
	}
	name := semconv.DBClientConnectionPoolNameKey.String(semconv.CleanValue(poolName))
	addHook(client, createTimeHook{
		hist: hist,
		opt:  metric.WithAttributeSet(attribute.NewSet(name)),
		now:  cfg.now,
	})
	return err
}

// createTimeHook is the go-redis hook of [RecordCreateTime].
type createTimeHook struct {
	hist metric.Float64Histogram
	opt  metric.RecordOption
	now  func() time.Time
}

// DialHook times each dial of next that opens a connection; with a nil
// next it returns next.
func (h createTimeHook) DialHook(next redis.DialHook) redis.DialHook {
	if next == nil {
		return next
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		start := h.now()
		nc, err := next(ctx, network, addr)
		if err != nil || nc == nil {
			return nc, err
		}
		d := max(h.now().Sub(start), 0) // a clock that steps back: no time passed
		if ctx == nil {
			ctx = context.Background()
		}
		h.hist.Record(ctx, d.Seconds(), h.opt)
		return nc, nil
	}
}

// ProcessHook calls next: only dials are timed.
func (createTimeHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

// ProcessPipelineHook calls next: only dials are timed.
func (createTimeHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
