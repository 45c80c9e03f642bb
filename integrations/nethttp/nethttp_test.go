package nethttp_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"

	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/integrations/nethttp"
	"github.com/otelvitals/vitals/semconv"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestKeepAliveClients runs a real server with 50 keep-alive clients: while
// they hold their connections the pool shows 50 open; once they close, 0
// open and 50 lifetimes.
func TestKeepAliveClients(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	tr, err := conn.New(conn.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Shutdown(context.Background())

	var hooked sync.WaitGroup // the server's own hook still runs
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }),
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				hooked.Done()
			}
		},
	}
	nethttp.TrackServer(srv, tr.Pool("http", "api"))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	defer srv.Shutdown(context.Background())

	const clients, requests = 50, 4
	hooked.Add(clients)
	var transports []*http.Transport
	var wg sync.WaitGroup
	for range clients {
		tp := &http.Transport{MaxIdleConnsPerHost: 1}
		transports = append(transports, tp)
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: tp}
			for range requests {
				resp, err := client.Get("http://" + lis.Addr().String())
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	hooked.Wait()

	open := func() conn.Entry { return tr.Snapshot().Pools[0] }
	waitFor(t, "50 open idle connections", func() bool { s := open(); return s.Open == clients && s.Idle == clients })
	s := open()
	if s.Created != clients || s.Reused != clients*requests || s.Destroyed != 0 {
		t.Fatalf("while connected: %+v", s)
	}

	for _, tp := range transports {
		tp.CloseIdleConnections()
	}
	// A connection leaves the open ones before its destruction is counted,
	// and its lifetime is recorded before that.
	waitFor(t, "every connection closed", func() bool { s := open(); return s.Open == 0 && s.Destroyed == clients })
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var lifetimes uint64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == semconv.ConnectionDuration.Name {
				lifetimes = m.Data.(metricdata.Histogram[float64]).DataPoints[0].Count
			}
		}
	}
	if lifetimes != clients {
		t.Fatalf("%d lifetimes recorded, want %d", lifetimes, clients)
	}
}

// waitFor polls cond: the server's hook runs on its own goroutines, after
// the client has seen its response.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func ExampleTrackServer() {
	tr, err := conn.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tr.Shutdown(context.Background())
	srv := &http.Server{Addr: "127.0.0.1:8080", Handler: http.NotFoundHandler()}
	nethttp.TrackServer(srv, tr.Pool("http", "api"))
	fmt.Println(srv.ConnState != nil)
	// Output: true
}
