package healthscore

import (
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"net/http"
	"strings"
	"time"
)

// HealthJSON is the media type of the IETF draft "Health Check Response
// Format for HTTP APIs" (draft-inadarei-api-health-check-06), which
// [Handler] and [LivenessHandler] answer in when a request accepts it.
const HealthJSON = "application/health+json"

// HandlerOptions configure [Handler]. The zero value answers 200 for
// healthy and degraded, 503 for unhealthy. A code outside 100 to 599, the
// status codes HTTP defines, takes its default.
type HandlerOptions struct {
	// DegradedCode is the status code for a degraded report; 0 means 200.
	// Set it to 503 to take a degraded instance out of a load balancer.
	DegradedCode int
	// UnhealthyCode is the status code for an unhealthy report; 0 means 503.
	UnhealthyCode int
}

// statusCode is code, or def when code is not an HTTP status code.
func statusCode(code, def int) int {
	if code < 100 || code > 599 {
		return def
	}
	return code
}

// Handler serves the report of report: a readiness endpoint. The status
// code follows the status (see [HandlerOptions]): by default 200 for
// healthy and degraded, 503 for unhealthy, so a load balancer or a
// Kubernetes readiness probe stops sending work to an instance that cannot
// do it, and sends it again once it can. Do not use it as a liveness probe:
// a full queue or a cold cache must never restart a process (see
// [LivenessHandler]).
//
// The body is JSON: the overall score and status and each component's;
// with ?verbose=1, every entity with its reasons and checks. A request
// whose Accept header names application/health+json gets the draft's
// format instead (see [HealthJSON]): status pass, warn or fail for
// healthy, degraded and unhealthy, and a check per component score and
// per rule that scored, keyed "component:rule". report is called once per
// request; a nil report serves the report of nothing tracked (healthy).
func Handler(report func() Report, opts HandlerOptions) http.Handler {
	degraded := statusCode(opts.DegradedCode, http.StatusOK)
	unhealthy := statusCode(opts.UnhealthyCode, http.StatusServiceUnavailable)
	if report == nil {
		report = func() Report { return Score(Input{}, Policy{}) }
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep := report()
		code := http.StatusOK
		switch rep.Status {
		case Degraded:
			code = degraded
		case Unhealthy:
			code = unhealthy
		}
		w.Header().Set("Cache-Control", "no-store")
		if acceptsHealthJSON(r) {
			w.Header().Set("Content-Type", HealthJSON)
			w.WriteHeader(code)
			_ = json.NewEncoder(w).Encode(healthResponse(rep))
			return
		}
		if v := r.URL.Query().Get("verbose"); v != "1" && v != "true" {
			comps := make([]Component, len(rep.Components))
			for i, c := range rep.Components {
				c.Entities = nil
				comps[i] = c
			}
			rep.Components = comps
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(rep)
	})
}

// LivenessHandler serves a liveness endpoint: 200 while alive returns nil,
// 503 with its error while it does not. It knows nothing of the health
// verdict, so a Kubernetes liveness probe pointed at it restarts a process
// only when it is stuck, never because its queues are full or its caches
// cold. Its body is {"status":"pass"} or {"status":"fail","output":...},
// the draft format, sent as application/health+json when the request
// accepts it and as application/json otherwise.
func LivenessHandler(alive func() error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp := HealthResponse{Status: "pass"}
		code := http.StatusOK
		if alive != nil {
			if err := alive(); err != nil {
				resp = HealthResponse{Status: "fail", Output: err.Error()}
				code = http.StatusServiceUnavailable
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		if acceptsHealthJSON(r) {
			w.Header().Set("Content-Type", HealthJSON)
		} else {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(resp)
	})
}

// HealthResponse is the body of the draft format: the overall status and
// the checks behind it.
type HealthResponse struct {
	// Status is "pass", "warn" or "fail".
	Status string `json:"status"`
	// Output says what is wrong, for a fail.
	Output string `json:"output,omitempty"`
	// Checks are keyed "component:measurement", such as
	// "caches:hit_ratio"; each holds one entry per entity measured.
	Checks map[string][]HealthCheck `json:"checks,omitempty"`
}

// HealthCheck is one measurement of the draft format.
type HealthCheck struct {
	ComponentID   string    `json:"componentId,omitempty"`
	ComponentType string    `json:"componentType,omitempty"`
	ObservedValue float64   `json:"observedValue"`
	ObservedUnit  string    `json:"observedUnit,omitempty"`
	Status        string    `json:"status"`
	Time          time.Time `json:"time,omitzero"`
	Output        string    `json:"output,omitempty"`
}

// draftStatus maps a status onto the draft's.
func draftStatus(s Status) string {
	switch s {
	case Healthy:
		return "pass"
	case Degraded:
		return "warn"
	default:
		return "fail"
	}
}

// healthResponse renders a report in the draft format: a "component:score"
// check per component, and a "component:rule" check per entity and rule
// that scored (rules that abstained are left out: they measured nothing).
// A rule check's status is the status of its score.
func healthResponse(rep Report) HealthResponse {
	resp := HealthResponse{Status: draftStatus(rep.Status), Checks: map[string][]HealthCheck{}}
	for _, c := range rep.Components {
		resp.Checks[c.Name+":score"] = append(resp.Checks[c.Name+":score"], HealthCheck{
			ComponentType: "component", ObservedValue: c.Score, ObservedUnit: "score", Status: draftStatus(c.Status), Time: rep.Time,
		})
		for _, e := range c.Entities {
			for _, chk := range e.Checks {
				if chk.Abstained {
					continue
				}
				key := c.Name + ":" + chk.Rule
				hc := HealthCheck{
					ComponentID: name(e.Type, e.Name), ComponentType: "component",
					ObservedValue: chk.Value, ObservedUnit: chk.Unit,
					Status: draftStatus(chk.Status), Time: rep.Time,
				}
				if chk.Status != Healthy { // the draft leaves output out of a pass
					hc.Output = chk.Output
				}
				resp.Checks[key] = append(resp.Checks[key], hc)
			}
		}
	}
	if rep.Status != Healthy {
		resp.Output = firstReason(rep)
	}
	if rep.Pending != "" {
		resp.Output = strings.TrimSpace(fmt.Sprintf("status held at %s while the scores say %s. %s", rep.Status, rep.Pending, firstReason(rep)))
	}
	return resp
}

// firstReason returns the worst reason behind the overall status: that of
// the worst entity of the lowest-scoring component (reasons are worst
// first), "" with none.
func firstReason(rep Report) string {
	var worst *Entity
	comp := math.Inf(1)
	for ci := range rep.Components {
		c := &rep.Components[ci]
		for ei := range c.Entities {
			e := &c.Entities[ei]
			if len(e.Reasons) == 0 {
				continue
			}
			if c.Score < comp || (c.Score == comp && e.Score < worst.Score) {
				worst, comp = e, c.Score
			}
		}
	}
	if worst == nil {
		return ""
	}
	return worst.Reasons[0]
}

// acceptsHealthJSON reports whether r's Accept header names the draft's
// media type with a non-zero quality.
func acceptsHealthJSON(r *http.Request) bool {
	for _, h := range r.Header.Values("Accept") {
		for _, part := range strings.Split(h, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil || mt != HealthJSON {
				continue
			}
			if q := params["q"]; q == "0" || q == "0.0" || q == "0.00" || q == "0.000" {
				continue
			}
			return true
		}
	}
	return false
}
