package healthscore

import (
	"sync"
	"time"
)

// DefaultHold is how long a new status must hold before a [Judge] reports
// it, unless [WithHold] says otherwise.
const DefaultHold = 15 * time.Second

// Judge scores inputs as [Score] does and holds each status steady: the
// overall status, each component's and each entity's changes only once the
// scores have said something else for the hold time (default
// [DefaultHold], [WithHold]) and over at least the evaluations of
// [WithEvaluations] (default 1). The hold is measured from the first
// evaluation that saw the other status: a Judge knows nothing of the time
// between evaluations. Scores are reported as they are; only statuses
// wait, and while one does, Pending says what the scores point to. The
// first report's statuses are taken at once: a process that just started
// is judged by what it shows.
//
// A signal that crosses a threshold and comes back within the hold time
// never changes the status; one that stays across changes it once, to the
// status the scores then give. A Judge is safe for concurrent use.
type Judge struct {
	policy Policy
	hold   time.Duration
	evals  int
	now    func() time.Time

	mu   sync.Mutex
	held map[string]*heldStatus
}

// heldStatus is the reported status of one key and the evidence for a
// change.
type heldStatus struct {
	status Status
	since  time.Time // when the scores first said otherwise; zero while they agree
	seen   int       // evaluations since then
	mark   bool      // seen in the latest evaluation
}

// JudgeOption configures [NewJudge].
type JudgeOption interface {
	applyJudge(*Judge)
}

type judgeOption func(*Judge)

func (f judgeOption) applyJudge(j *Judge) { f(j) }

// WithHold sets how long the scores must say another status before it is
// reported. Zero or less turns the hold off: statuses follow the scores
// at once, as with [Score].
func WithHold(d time.Duration) JudgeOption {
	return judgeOption(func(j *Judge) { j.hold = max(d, 0) })
}

// WithEvaluations sets how many evaluations in a row must say another
// status before it is reported, besides the hold time. Values below 1 are
// taken as 1.
func WithEvaluations(n int) JudgeOption {
	return judgeOption(func(j *Judge) { j.evals = max(n, 1) })
}

// WithClock sets the function the Judge reads the time from; tests pass a
// fake to move time by hand. The default, and what a nil now keeps, is
// time.Now.
func WithClock(now func() time.Time) JudgeOption {
	return judgeOption(func(j *Judge) {
		if now != nil {
			j.now = now
		}
	})
}

// NewJudge returns a Judge that scores with policy p.
func NewJudge(p Policy, opts ...JudgeOption) *Judge {
	j := &Judge{policy: p, hold: DefaultHold, evals: 1, now: time.Now, held: map[string]*heldStatus{}}
	for _, o := range opts {
		if o != nil {
			o.applyJudge(j)
		}
	}
	return j
}

// Judge returns the report of in, its statuses held as the Judge's
// documentation says, and its Time set from the Judge's clock.
func (j *Judge) Judge(in Input) Report {
	r := Score(in, j.policy)
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	r.Time = now
	r.Status, r.Pending = j.steady("", r.Status, now)
	for ci := range r.Components {
		c := &r.Components[ci]
		c.Status, c.Pending = j.steady(c.Name, c.Status, now)
		for ei := range c.Entities {
			e := &c.Entities[ei]
			e.Status, e.Pending = j.steady(c.Name+"\x00"+e.Type+"\x00"+e.Name, e.Status, now)
		}
	}
	// Forget what is gone, so that the Judge holds no more than the
	// trackers do.
	for k, h := range j.held {
		if !h.mark {
			delete(j.held, k)
		}
		h.mark = false
	}
	return r
}

// steady returns the status to report for key, whose scores now say
// status, and the status pending while it holds another ("" when none).
func (j *Judge) steady(key string, status Status, now time.Time) (Status, Status) {
	h, ok := j.held[key]
	if !ok {
		j.held[key] = &heldStatus{status: status, mark: true}
		return status, ""
	}
	h.mark = true
	if status == h.status {
		h.since, h.seen = time.Time{}, 0
		return h.status, ""
	}
	if h.since.IsZero() || now.Before(h.since) { // a clock that steps back restarts the hold
		h.since = now
		h.seen = 0
	}
	h.seen++
	if now.Sub(h.since) >= j.hold && h.seen >= j.evals {
		h.status, h.since, h.seen = status, time.Time{}, 0
		return h.status, ""
	}
	return h.status, status
}
