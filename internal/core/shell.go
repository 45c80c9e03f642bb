package core

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelvitals/vitals/internal/clock"
	"github.com/otelvitals/vitals/internal/version"
	"github.com/otelvitals/vitals/semconv"
)

// DefaultStaleness is how long a tracker's read is reused while nothing is
// recorded: collections by several readers, the health score and
// Snapshot within it share one read.
const DefaultStaleness = time.Second

const (
	stateDirty uint32 = 1 << iota // recorded into since the last read
	stateClosed
)

// Setup is what a tracker's [Shell] is made with.
type Setup struct {
	// Provider is the MeterProvider the observable instruments are made
	// with when Hub is nil.
	Provider metric.MeterProvider
	// Hub, when not nil, is the producer's hub the tracker reports
	// through, instead of observable instruments.
	Hub *Hub
	// Now is the injected clock, nil for the shared coarse clock.
	Now func() time.Time
	// Staleness is how long a read is reused while nothing is recorded;
	// 0 means DefaultStaleness.
	Staleness time.Duration
	// Scope names the tracker's meter, and Metrics is its metric table.
	Scope   string
	Metrics []semconv.Metric
	// Changed, when not nil, reports whether the tracker's state may have
	// changed at now without a record: a pass due on its clock, or state
	// it reads from outside (a pool's own stats). A read is then fresh.
	Changed func(now int64) bool
	// Before, when not nil, runs before each fresh read, before the mark
	// of changes is cleared: what it changes (a probe it samples, say) is
	// in that read and does not make the next one fresh.
	Before func(now int64)
	// Traced lists the histogram metrics recorded with the caller's trace
	// context, which a hub may leave to the SDK for its exemplars.
	Traced []string
}

// SetProvider sets the MeterProvider; a nil mp keeps the one set, and
// with none Init takes the global provider.
func (c *Setup) SetProvider(mp metric.MeterProvider) {
	if mp != nil {
		c.Provider = mp
	}
}

// Apply calls apply with each option of opts that is not nil, in order:
// the loop of every tracker's newConfig.
func Apply[O comparable](opts []O, apply func(O)) {
	var none O
	for _, o := range opts {
		if o != none {
			apply(o)
		}
	}
}

// Shell is the part every tracker shares: its clock, its lifecycle, the
// way its points leave (a hub or observable instruments) and the read of
// its state that every consumer of a collection shares. S is the
// tracker's snapshot type.
type Shell[S any] struct {
	// Clock is the tracker's clock: the injected one, or the shared coarse
	// clock. Mono times durations: the injected clock too, or the
	// monotonic clock.
	Clock   clock.Clock
	Mono    clock.Clock
	release func()
	start   time.Time
	scope   string
	metrics []semconv.Metric

	state     atomic.Uint32
	staleness int64

	mu      sync.Mutex // guards the cached read
	read    func(now int64) *S
	emit    func(st *S, out Sink)
	before  func(now int64)
	changed func(now int64) bool
	snap    *S
	at      int64
	pinned  uint64 // the hub cycle snap was read in
	frozen  bool
	reads   *atomic.Int64

	hub    *Hub
	traced map[string]bool
	detach func()
	inst   Instruments
	reg    metric.Registration

	once sync.Once
	err  error
}

// Init sets s up for a tracker whose state read reads and emit reports,
// and returns the errors of making its instruments, joined; s works with
// whatever could be made. s is then the tracker's [Source].
func (s *Shell[S]) Init(cfg Setup, read func(now int64) *S, emit func(st *S, out Sink)) error {
	s.emit = emit
	if cfg.Now != nil {
		s.Clock = clock.FromFunc(cfg.Now)
		s.Mono, s.release = s.Clock, func() {}
	} else {
		s.Clock, s.release = clock.Shared()
		s.Mono = clock.Monotonic()
	}
	s.start = s.Clock.Now()
	s.scope, s.metrics = cfg.Scope, cfg.Metrics
	s.staleness = int64(cfg.Staleness)
	if s.staleness <= 0 {
		s.staleness = int64(DefaultStaleness)
	}
	s.read, s.changed, s.before = read, cfg.Changed, cfg.Before
	s.reads = readCounter(cfg.Scope)
	s.traced = map[string]bool{}
	for _, name := range cfg.Traced {
		s.traced[name] = true
	}
	if cfg.Hub != nil {
		s.hub = cfg.Hub
	}
	provider := cfg.Provider
	if provider == nil {
		provider = otel.GetMeterProvider()
	}
	meter := provider.Meter(cfg.Scope, metric.WithInstrumentationVersion(version.Version), metric.WithSchemaURL(semconv.SchemaURL))
	var err error
	s.inst, err = newInstruments(meter, cfg.Metrics, s.hub == nil, s.sdkHistogram)
	if s.hub != nil {
		s.detach = s.hub.Attach(s)
		return err
	}
	var regErr error
	s.reg, regErr = s.inst.register(meter, func(_ context.Context, o metric.Observer) error {
		s.Collect(s.inst.sink(o))
		return nil
	})
	return errors.Join(err, regErr)
}

// sdkHistogram reports whether the histogram metric m goes through the
// SDK's histogram: always without a hub, and when the hub leaves it to
// the SDK.
func (s *Shell[S]) sdkHistogram(m semconv.Metric) bool {
	return s.hub == nil || !s.hub.fast(m, s.traced[m.Name])
}

// Collect emits one read of the tracker to out.
func (s *Shell[S]) Collect(out Sink) { s.emit(s.Read(), out) }

// Start is when the tracker was made, by its clock: the start of its
// cumulative series.
func (s *Shell[S]) Start() time.Time { return s.start }

// Scope returns the tracker's instrumentation scope name.
func (s *Shell[S]) Scope() string { return s.scope }

// Metrics returns the tracker's metric table.
func (s *Shell[S]) Metrics() []semconv.Metric { return s.metrics }

// Hist returns the histogram series of metric m (an index into the metric
// table) with attributes a.
func (s *Shell[S]) Hist(m int, a *Attrs) *Hist {
	return s.inst.hist(m, a)
}

// Live reports whether the tracker still records: false after Shutdown.
// Call it before changing state.
func (s *Shell[S]) Live() bool { return s.state.Load()&stateClosed == 0 }

// Touch marks the tracker's state as changed since the last read, so that
// the next read is fresh. Call it after changing state: a change made
// before a read clears the mark is in that read.
func (s *Shell[S]) Touch() {
	if s.state.Load()&stateDirty == 0 {
		s.state.Or(stateDirty)
	}
}

// Read returns the tracker's state: the last read while it is younger than
// the staleness, nothing was recorded since and Setup.Changed does not say
// otherwise, or while the hub's current collection already read it; a
// fresh read otherwise. After Shutdown it is
// the state at Shutdown.
func (s *Shell[S]) Read() *S {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.frozen {
		return s.snap
	}
	now := s.Clock.Nanotime()
	var cycle uint64
	if s.hub != nil {
		cycle = s.hub.cycle.Load()
	}
	if s.snap != nil {
		if cycle != 0 && s.pinned == cycle {
			return s.snap
		}
		if age := now - s.at; s.state.Load()&stateDirty == 0 && age >= 0 && age < s.staleness && (s.changed == nil || !s.changed(now)) {
			s.pinned = cycle
			return s.snap
		}
	}
	if s.before != nil {
		s.before(now)
	}
	s.state.And(^stateDirty)
	s.snap, s.at, s.pinned = s.read(now), now, cycle
	s.reads.Add(1)
	return s.snap
}

// Shutdown stops the tracker, once: it takes a last read, which Read
// returns from then on, stops recording, and removes every series it
// reports (from the hub, or by unregistering its callback). stop, if not
// nil, runs first, for the tracker's own goroutines. Later calls return
// the first call's result.
func (s *Shell[S]) Shutdown(ctx context.Context, stop func(context.Context) error) error {
	s.once.Do(func() {
		if stop != nil {
			s.err = stop(ctx)
		}
		s.Read()
		s.mu.Lock()
		s.frozen = true
		s.mu.Unlock()
		s.state.Or(stateClosed)
		if s.detach != nil {
			s.detach()
		}
		if s.reg != nil {
			s.err = errors.Join(s.err, s.reg.Unregister())
		}
		s.release()
	})
	return s.err
}

// reads counts the reads of each scope's trackers, for the tests that
// check that a collection reads each tracker once.
var reads sync.Map // scope -> *atomic.Int64

func readCounter(scope string) *atomic.Int64 {
	c, _ := reads.LoadOrStore(scope, new(atomic.Int64))
	return c.(*atomic.Int64)
}

// Reads returns how many times the trackers of scope have read their
// state since the process started.
func Reads(scope string) int64 { return readCounter(scope).Load() }
