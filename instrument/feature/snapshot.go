package feature

import (
	"slices"
	"time"

	"github.com/otelvitals/vitals/instrument"
	"github.com/otelvitals/vitals/internal/core"
)

// minTrendUses is the fewest uses, over this window and the one before
// together, for a trend other than stable.
const minTrendUses = 10

// Snapshot is the state of every feature at one moment. It holds no user
// identifier, raw or hashed: only counts and estimates.
type Snapshot struct {
	// Time is when the snapshot was taken.
	Time time.Time `json:"time"`
	// WindowSeconds is the usage window.
	WindowSeconds float64 `json:"window_seconds"`
	// Features holds one entry per feature, in the order they were made;
	// the overflow feature, if any, has Overflow set.
	Features []Entry `json:"features"`
	// Top lists the names of the features most used in the window, most
	// first (ties by type and name), at most 10.
	Top []FeatureRef `json:"top"`
}

// FeatureRef names a feature.
type FeatureRef struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	WindowUses  int64  `json:"window_uses"`
	UniqueUsers uint64 `json:"unique_users"`
}

// Entry is the state of one feature.
type Entry struct {
	Type     string `json:"type"`
	Name     string `json:"name"`
	Overflow bool   `json:"overflow,omitempty"`

	// Uses and Failures count the uses since the feature was made.
	Uses     int64 `json:"uses"`
	Failures int64 `json:"failures"`
	// WindowUses, PreviousWindowUses, WindowSuccessRatio and UniqueUsers
	// cover the usage window (exact to a quarter of it); UniqueUsers is a
	// HyperLogLog estimate (standard error 0.8%).
	WindowUses         int64   `json:"window_uses"`
	PreviousWindowUses int64   `json:"previous_window_uses"`
	WindowSuccessRatio float64 `json:"window_success_ratio"`
	UniqueUsers        uint64  `json:"unique_users"`
	// MeanDurationSeconds is the mean duration of the timed uses (exact to
	// float rounding: on the fast path it is the histogram's sum over its
	// count).
	MeanDurationSeconds float64 `json:"mean_duration_seconds"`
	// Patterns counts the uses by pattern.
	Patterns map[string]int64 `json:"patterns"`
	// Variants counts the uses recorded with a variant, by variant.
	Variants map[string]int64 `json:"variants,omitempty"`
	// Trend compares this window with the one before (see the package
	// documentation).
	Trend string `json:"trend"`
	// PeakHour is the hour of day (0-23, in the configured zone) with the
	// most uses, -1 with none; HourlyUses holds the uses of each hour.
	PeakHour   int       `json:"peak_hour"`
	HourlyUses [24]int64 `json:"hourly_uses"`
}

// Snapshot returns the state of every feature, read once per collection
// cycle: a read is shared by the collections, the health score and
// Snapshot calls within one second of it while nothing
// is recorded, and made afresh otherwise. After Shutdown it is the state
// at Shutdown. On nil Analytics it is the zero Snapshot.
//
// The Snapshot is yours to keep; its Features slice is a copy, but the slices
// and maps inside its entries are shared with the other consumers of the
// same read: treat them as read-only.
func (a *Analytics) Snapshot() Snapshot {
	if a == nil {
		return Snapshot{}
	}
	s := a.shell.Read().snap
	s.Features = slices.Clone(s.Features)
	s.Top = slices.Clone(s.Top)
	return s
}

// read reads the state of every feature at now.
func (a *Analytics) read(now int64) *state {
	features := a.features.List()
	st := &state{
		snap:     Snapshot{Time: a.shell.Clock.Now(), WindowSeconds: a.cfg.window.Seconds(), Features: make([]Entry, 0, len(features))},
		features: make([]featureRead, len(features)),
	}
	s := &st.snap
	var slab core.Slab
	st.durations = make([]core.HistRead, 0, len(features))
	for i, f := range features {
		f.mu.Lock()
		version, quarter := f.version, f.quarter(now)
		f.mu.Unlock()
		if lr := f.last; lr != nil && lr.version == version && lr.quarter == quarter {
			// Nothing recorded and no quarter turned since: the last read stands.
			st.features[i] = featureRead{f: f, c: lr.c}
			s.Features = append(s.Features, lr.entry)
			if lr.hasHist {
				st.durations = append(st.durations, lr.hist)
			}
			continue
		}
		c := f.useCounts()
		st.features[i] = featureRead{f: f, c: c}
		fs := Entry{Type: f.typ, Name: f.name, Overflow: f.overflow, PeakHour: -1, Patterns: c.patterns, Variants: c.variantMap}
		for p := range MaxPatterns {
			fs.Uses += c.uses[p][0] + c.uses[p][1]
			fs.Failures += c.uses[p][1]
		}
		cur, prev, users := f.window(now)
		fs.WindowUses, fs.PreviousWindowUses, fs.UniqueUsers = cur.uses, prev.uses, users
		if cur.uses > 0 {
			fs.WindowSuccessRatio = float64(cur.success) / float64(cur.uses)
		}
		lr := &lastRead{version: version, quarter: quarter, c: c}
		if h, ok := f.hist.Read(&slab); ok && h.Count > 0 {
			fs.MeanDurationSeconds = h.Sum / float64(h.Count)
			lr.hist, lr.hasHist = f.hist.Held(h), true
			st.durations = append(st.durations, lr.hist)
		} else if t := f.timed.Load(); t > 0 {
			fs.MeanDurationSeconds = f.durNanos.Load().Nanoseconds() / float64(t) / 1e9
		}
		fs.Trend = trend(cur.uses, prev.uses)
		var peak int64
		for h := range fs.HourlyUses {
			fs.HourlyUses[h] = f.hours[h].Load()
			if fs.HourlyUses[h] > peak {
				peak, fs.PeakHour = fs.HourlyUses[h], h
			}
		}
		lr.entry, f.last = fs, lr
		s.Features = append(s.Features, fs)
	}
	s.Top = top(s.Features, 10)
	return st
}

// lastRead is a feature's part of one read, reused by the next reads
// while the feature's version and the window's quarter stand still.
type lastRead struct {
	version uint64
	quarter int64
	entry   Entry
	c       *useCounts
	hist    core.HistRead
	hasHist bool
}

// trend classifies this window's uses against the previous window's: with
// fewer than 10 uses in both together it is stable; otherwise growing when
// this window has more than 10% more uses, declining when more than 10%
// fewer, stable in between. A feature with no uses before is growing.
func trend(cur, prev int64) string {
	if cur+prev < minTrendUses {
		return instrument.TrendStable
	}
	switch change := float64(cur-prev) / float64(max(prev, 1)); {
	case prev == 0 || change > 0.1:
		return instrument.TrendGrowing
	case change < -0.1:
		return instrument.TrendDeclining
	default:
		return instrument.TrendStable
	}
}

// top returns at most n features with window uses, most used first (ties
// by type, then name), in one pass over features that keeps the n best.
func top(features []Entry, n int) []FeatureRef {
	if n <= 0 {
		return nil
	}
	before := func(x, y *FeatureRef) bool {
		if x.WindowUses != y.WindowUses {
			return x.WindowUses > y.WindowUses
		}
		if x.Type != y.Type {
			return x.Type < y.Type
		}
		return x.Name < y.Name
	}
	refs := make([]FeatureRef, 0, n)
	for i := range features {
		f := &features[i]
		if f.WindowUses == 0 || f.Overflow {
			continue
		}
		r := FeatureRef{Type: f.Type, Name: f.Name, WindowUses: f.WindowUses, UniqueUsers: f.UniqueUsers}
		if len(refs) == n && !before(&r, &refs[n-1]) {
			continue
		}
		if len(refs) < n {
			refs = append(refs, r)
		} else {
			refs[n-1] = r
		}
		for j := len(refs) - 1; j > 0 && before(&refs[j], &refs[j-1]); j-- {
			refs[j], refs[j-1] = refs[j-1], refs[j]
		}
	}
	if len(refs) == 0 {
		return nil
	}
	return refs
}
