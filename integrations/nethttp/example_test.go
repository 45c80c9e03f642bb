package nethttp_test

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/integrations/nethttp"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

// Track a server's connections through the pipeline vitals.Start built:
// the tracker records into Start's provider and reports through its
// producer. (A reader takes the place of Start's exporters here, to print
// what they would export, and a free loopback port that of 8080.)
func Example() {
	ctx := context.Background()
	p := vitals.NewProducer()
	reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(p))
	sys, err := vitals.Start(ctx, vitals.WithReader(reader), vitals.WithProducer(p),
		vitals.WithExporterOptions(exporters.WithExporters(exporters.None)))
	if err != nil {
		log.Fatal(err)
	}
	defer sys.Shutdown(ctx)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hello") })

	tr, err := conn.New(conn.WithMeterProvider(sys.MeterProvider()), conn.WithProducer(sys.Producer()))
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Shutdown(ctx)
	srv := &http.Server{Addr: "127.0.0.1:8080", Handler: mux}
	nethttp.TrackServer(srv, tr.Pool("http", "api"))

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(lis) // srv.ListenAndServe() on srv.Addr
	defer srv.Shutdown(ctx)

	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for range 2 { // two requests on one keep-alive connection
		resp, err := client.Get("http://" + lis.Addr().String() + "/hello")
		if err != nil {
			log.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}

	// Created when accepted, reused once per request. (Its end comes when
	// the client or the server closes it.)
	printExported(ctx, reader, semconv.ConnectionEvents.Name, "created", "reused")
	// Output:
	// created api http: 1
	// reused api http: 2
}

// printExported prints what reader exports of a metric; see
// metrictest.PrintExported.
var printExported = metrictest.PrintExported
