package healthscore

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
)

// TestHealthJSON asks for application/health+json and checks the answer
// as the draft (draft-inadarei-api-health-check-06) describes it: the
// media type, status pass/warn/fail with the status code that goes with
// it, and checks keyed "component:measurement" whose entries carry
// componentId, observedValue, observedUnit, status, time and output.
func TestHealthJSON(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	in := Input{
		Queues:   []queue.Entry{{Type: "http", Name: "requests", Capacity: 100, Utilization: 0.5}},
		Caches:   []cache.Entry{warm(0.4, 0.4, false)},
		Features: []feature.Entry{{Type: "endpoint", Name: "checkout", WindowUses: 1000, WindowSuccessRatio: 0.5}},
	}
	in.Caches[0].Type, in.Caches[0].Name = "application", "users"
	tests := []struct {
		name   string
		policy Policy
		accept string
		status string
		code   int
	}{
		{"warn", Policy{FeatureMinUses: 10000}, "application/health+json", "warn", 200},
		{"fail", Policy{Critical: []Ref{{Component: Features}}}, "application/json;q=0.5, application/health+json", "fail", 503},
		{"pass", Policy{CacheTargetHitRatio: 0.4, FeatureMinUses: 10000}, "application/health+json; q=0.9", "pass", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Score(in, tt.policy)
			rep.Time = at
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/readyz", nil)
			req.Header.Set("Accept", tt.accept)
			Handler(func() Report { return rep }, HandlerOptions{}).ServeHTTP(rec, req)
			if rec.Code != tt.code || rec.Header().Get("Content-Type") != HealthJSON {
				t.Fatalf("%d %q, want %d %s", rec.Code, rec.Header().Get("Content-Type"), tt.code, HealthJSON)
			}
			var body struct {
				Status string                              `json:"status"`
				Output string                              `json:"output"`
				Checks map[string][]map[string]interface{} `json:"checks"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if body.Status != tt.status {
				t.Fatalf("status %q, want %q: %s", body.Status, tt.status, rec.Body)
			}
			hit := body.Checks["caches:hit_ratio"]
			if len(hit) != 1 {
				t.Fatalf("caches:hit_ratio %v: %s", hit, rec.Body)
			}
			c := hit[0]
			if c["componentId"] != "application/users" || c["observedValue"] != 0.4 || c["observedUnit"] != "1" || c["time"] != "2026-12-01T10:00:00Z" {
				t.Fatalf("hit ratio check %v", c)
			}
			if tt.status == "pass" {
				if c["status"] != "pass" || body.Output != "" {
					t.Fatalf("a passing check %v, output %q", c, body.Output)
				}
			} else if worst := map[string]string{
				"warn": "cache application/users hit ratio 40% over 1000 lookups (target 80%)",
				"fail": "feature endpoint/checkout failing 50.0% of 1000 uses (at least 46.9% at 95% confidence)",
			}[tt.status]; c["status"] != "warn" || c["output"] != "cache application/users hit ratio 40% over 1000 lookups (target 80%)" || body.Output != worst {
				t.Fatalf("a warning check %v, output %q", c, body.Output)
			}
			if _, ok := body.Checks["caches:efficiency"]; ok {
				t.Fatal("an abstaining rule is listed as a check")
			}
			for _, key := range []string{"queues:utilization", "queues:overflow_time", "queues:score", "caches:score"} {
				if len(body.Checks[key]) != 1 || body.Checks[key][0]["status"] == nil {
					t.Fatalf("check %s: %v", key, body.Checks[key])
				}
			}
		})
	}
	// Without the media type, the default JSON.
	rec := httptest.NewRecorder()
	Handler(func() Report { return Score(in, Policy{}) }, HandlerOptions{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("default content type %q", rec.Header().Get("Content-Type"))
	}
	var rep Report
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil || rep.Status != Unhealthy || rep.Components[0].Entities != nil {
		t.Fatalf("default body %s (%v)", rec.Body, err)
	}
}

// TestLivenessIsNotReadiness serves an unhealthy verdict: the readiness
// handler answers 503, the liveness handler 200; a stuck check fails only
// the liveness handler's.
func TestLivenessIsNotReadiness(t *testing.T) {
	unhealthy := Score(queueAt(1), Policy{})
	if unhealthy.Status != Unhealthy {
		t.Fatalf("status %s", unhealthy.Status)
	}
	ready := Handler(func() Report { return unhealthy }, HandlerOptions{})
	var stuck error
	live := LivenessHandler(func() error { return stuck })
	get := func(h http.Handler, accept string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := get(ready, ""); rec.Code != 503 {
		t.Fatalf("readiness %d, want 503", rec.Code)
	}
	rec := get(live, HealthJSON)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != HealthJSON || rec.Body.String() != "{\"status\":\"pass\"}\n" {
		t.Fatalf("liveness %d %q %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	stuck = errors.New("the sampler is stuck")
	rec = get(live, "")
	if rec.Code != 503 || rec.Header().Get("Content-Type") != "application/json" || rec.Body.String() != "{\"status\":\"fail\",\"output\":\"the sampler is stuck\"}\n" {
		t.Fatalf("stuck liveness %d %q %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	if rec := get(LivenessHandler(nil), ""); rec.Code != 200 {
		t.Fatalf("nil check %d", rec.Code)
	}
}

// TestHealthJSONOutput names the rule that fails, not the first that
// complains, and says when a status is held.
func TestHealthJSONOutput(t *testing.T) {
	in := Input{Connections: []conn.Entry{{Type: "database", Name: "primary", MaxOpen: 2, InUse: 2, InUseKnown: true,
		StatsReported: true, WindowSeconds: 300, WindowCoveredSeconds: 60, WindowWaitSeconds: 600, RecentWaits: 40}}}
	body := func(rep Report) HealthResponse {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/readyz", nil)
		req.Header.Set("Accept", HealthJSON)
		Handler(func() Report { return rep }, HandlerOptions{}).ServeHTTP(rec, req)
		var resp HealthResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := body(Score(in, Policy{}))
	if want := "pool database/primary: 10.0 callers on average waiting for a connection over the last 1m0s"; resp.Status != "fail" || resp.Output != want {
		t.Fatalf("status %q output %q, want fail %q", resp.Status, resp.Output, want)
	}
	if c := resp.Checks["connections:saturation"][0]; c.Status != "warn" || c.Output == "" {
		t.Fatalf("saturation check %+v", c)
	}
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	j := NewJudge(Policy{}, WithClock(clk.now))
	j.Judge(Input{})
	held := j.Judge(in)
	if held.Status != Healthy || held.Pending != Unhealthy {
		t.Fatalf("held %s pending %q", held.Status, held.Pending)
	}
	if resp := body(held); resp.Status != "pass" || !strings.HasPrefix(resp.Output, "status held at healthy while the scores say unhealthy.") {
		t.Fatalf("held: %q %q", resp.Status, resp.Output)
	}
}

// TestHealthJSONOutputFollowsTheVerdict names the reason behind the
// overall status: one failing feature among fifty leaves the features at
// 98, so a cache at 50 makes the verdict, and its reason is the output.
func TestHealthJSONOutputFollowsTheVerdict(t *testing.T) {
	var features []feature.Entry
	for i := range 50 {
		features = append(features, feature.Entry{Type: "endpoint", Name: fmt.Sprint("f", i), WindowUses: 1000, WindowSuccessRatio: 1})
	}
	features[3].WindowSuccessRatio = 0.5
	c := warm(0.4, 0.4, false)
	c.Type, c.Name = "application", "users"
	rep := Score(Input{Caches: []cache.Entry{c}, Features: features}, Policy{})
	if got, want := healthResponse(rep).Output, "cache application/users hit ratio 40% over 1000 lookups (target 80%)"; rep.Score != 50 || got != want {
		t.Fatalf("score %v, output %q, want 50 and %q", rep.Score, got, want)
	}
}
