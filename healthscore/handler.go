package healthscore

import (
	"encoding/json"
	"net/http"
)

// HandlerOptions configure [Handler]. The zero value answers 200 for
// healthy and degraded, 503 for unhealthy.
type HandlerOptions struct {
	// DegradedCode is the status code for a degraded report; 0 means 200.
	// Set it to 503 to take a degraded instance out of a load balancer.
	DegradedCode int
	// UnhealthyCode is the status code for an unhealthy report; 0 means 503.
	UnhealthyCode int
}

// Handler serves the report of report as JSON: the overall score and
// status, and each component's. With ?verbose=1 it adds every entity and
// its reasons. The status code follows the status (see [HandlerOptions]).
// report is called once per request.
func Handler(report func() Report, opts HandlerOptions) http.Handler {
	degraded, unhealthy := opts.DegradedCode, opts.UnhealthyCode
	if degraded == 0 {
		degraded = http.StatusOK
	}
	if unhealthy == 0 {
		unhealthy = http.StatusServiceUnavailable
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep := report()
		if v := r.URL.Query().Get("verbose"); v != "1" && v != "true" {
			comps := make([]Component, len(rep.Components))
			for i, c := range rep.Components {
				c.Entities = nil
				comps[i] = c
			}
			rep.Components = comps
		}
		code := http.StatusOK
		switch rep.Status {
		case Degraded:
			code = degraded
		case Unhealthy:
			code = unhealthy
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(rep)
	})
}
