package admission

import (
	"container/list"
	"context"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/semconv"
)

// Config sets the limits of a [Limiter]. Its zero value limits nothing.
type Config struct {
	// Limit is the most requests running at once; 0 means no limit.
	Limit int
	// QueueLength is the most requests waiting for admission; further ones
	// are turned away at once. 0 turns away every request that cannot run
	// at once.
	QueueLength int
	// Timeout is the longest a request waits for admission; 0 means it
	// waits as long as its client does. A negative Timeout means no wait at
	// all: a request that cannot run at once is turned away at once, as
	// with QueueLength 0 (and the admission queue is reported with
	// capacity 0).
	Timeout time.Duration
	// RetryAfter is what the Retry-After header of a 503 suggests, rounded
	// up to whole seconds; 0 or negative means 1 second.
	RetryAfter time.Duration
}

// Limiter admits requests under a [Config]. Make one with [New]; its
// methods are safe for concurrent use.
type Limiter struct {
	cfg      Config
	waiting  *queue.Queue
	inFlight *queue.Queue
	retry    string

	mu      sync.Mutex
	running int
	waiters list.List // of *waiter, oldest first
}

type waiter struct {
	ready   chan struct{}
	since   time.Time
	ticket  queue.Ticket
	ctx     context.Context // the waiting request's, whose trace its wait carries
	granted bool            // guarded by Limiter.mu
}

// inFlightSuffix ends the name of the in-flight queue.
const inFlightSuffix = "_in_flight"

// New returns a Limiter whose queues are reported by m under name. It never
// returns nil.
//
// name is cleaned as the trackers clean names ([semconv.CleanValueFunc]):
// invalid UTF-8 becomes U+FFFD, "" becomes "unknown", and a name is cut
// on a rune boundary to semconv.MaxValueLength minus the length of
// "_in_flight" bytes, so that the two queues keep names of their own.
// Negative limits are taken as 0, and a negative Timeout as no wait (see
// [Config]). A nil m gives a Limiter that limits as cfg says and reports
// nothing.
func New(m *queue.Monitor, name string, cfg Config) *Limiter {
	cfg.Limit = max(cfg.Limit, 0)
	cfg.QueueLength = max(cfg.QueueLength, 0)
	if cfg.Timeout < 0 {
		cfg.QueueLength = 0
	}
	retry := cfg.RetryAfter
	if retry <= 0 {
		retry = time.Second
	}
	l := &Limiter{
		cfg:   cfg,
		retry: strconv.Itoa(int(math.Ceil(retry.Seconds()))),
	}
	if m == nil {
		return l
	}
	name = semconv.CleanValueFunc(name, semconv.MaxValueLength-len(inFlightSuffix), nil)
	// The running requests are reported without a capacity: at its limit
	// the limiter is at work, not backed up, and the health rules, the
	// overflow count and queue alerts must not judge it as a backlog. The
	// admission queue carries the verdict: its waits, its fill and its
	// rejections.
	l.inFlight = m.Queue(queue.TypeHTTP, name+inFlightSuffix, 0)
	if cfg.Limit > 0 {
		l.waiting = m.Queue(queue.TypeHTTP, name, cfg.QueueLength)
	}
	return l
}

// Handler returns next behind the admission queue. A request that waited
// for admission carries its wait in its context: see [Wait]. A nil next is
// [http.DefaultServeMux], as for an [http.Server]; a nil Limiter admits
// every request at once and reports nothing.
func (l *Limiter) Handler(next http.Handler) http.Handler {
	if next == nil {
		next = http.DefaultServeMux
	}
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		waited, ok := l.acquire(r.Context())
		if !ok {
			w.Header().Set("Retry-After", l.retry)
			http.Error(w, "server busy, retry later", http.StatusServiceUnavailable)
			return
		}
		if waited >= 0 {
			r = r.WithContext(context.WithValue(r.Context(), waitKey{}, waited))
		}
		var running queue.Ticket // the zero Ticket when nothing is reported
		if l.inFlight != nil {
			running = l.inFlight.Enter()
		}
		defer func() {
			running.Cancel() // the in-flight queue tracks depth, not waits
			l.release()
		}()
		next.ServeHTTP(w, r)
	})
}

type waitKey struct{}

// Wait returns how long the request of ctx waited in an admission queue
// before it was admitted, and false for a request admitted at once or a
// nil ctx.
func Wait(ctx context.Context) (time.Duration, bool) {
	if ctx == nil {
		return 0, false
	}
	d, ok := ctx.Value(waitKey{}).(time.Duration)
	return d, ok
}

// acquire admits the request, at once (waited < 0) or after waiting its
// turn, or reports false when it is turned away. The admission queue's
// depth changes only under l.mu, together with the list of waiters, so it
// is always exactly the number of requests waiting.
func (l *Limiter) acquire(ctx context.Context) (waited time.Duration, ok bool) {
	if l.cfg.Limit == 0 {
		return -1, true
	}
	l.mu.Lock()
	if l.running < l.cfg.Limit && l.waiters.Len() == 0 {
		l.running++
		l.mu.Unlock()
		return -1, true
	}
	if l.waiters.Len() >= l.cfg.QueueLength {
		l.mu.Unlock()
		l.reject()
		return 0, false
	}
	wt := &waiter{ready: make(chan struct{}), since: time.Now(), ctx: ctx}
	if l.waiting != nil {
		wt.ticket = l.waiting.Enter()
	}
	elem := l.waiters.PushBack(wt)
	l.mu.Unlock()

	var timeout <-chan time.Time
	if l.cfg.Timeout > 0 {
		timer := time.NewTimer(l.cfg.Timeout)
		defer timer.Stop()
		timeout = timer.C
	}
	select {
	case <-wt.ready:
		return time.Since(wt.since), true
	case <-timeout:
	case <-ctx.Done():
	}
	l.mu.Lock()
	if wt.granted { // admitted while giving up: take the slot
		l.mu.Unlock()
		return time.Since(wt.since), true
	}
	l.waiters.Remove(elem)
	wt.ticket.LeaveContext(ctx) // it waited, and gave up
	l.mu.Unlock()
	l.reject()
	return 0, false
}

// reject counts a request turned away, when the queues are reported.
func (l *Limiter) reject() {
	if l.waiting != nil {
		l.waiting.Reject()
	}
}

// release hands the finished request's slot to the oldest waiter, whose
// wait ends now, or frees it.
func (l *Limiter) release() {
	if l.cfg.Limit == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if front := l.waiters.Front(); front != nil {
		wt := l.waiters.Remove(front).(*waiter)
		wt.granted = true
		wt.ticket.LeaveContext(wt.ctx) // the wait is the waiting request's, with its trace
		close(wt.ready)
		return
	}
	l.running--
}
