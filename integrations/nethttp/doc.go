// Package nethttp tracks the TCP connections of a net/http server with
// [github.com/otelvitals/vitals/instrument/conn]: every connection the
// server accepts is a tracked connection of one pool, with its real age,
// its requests counted as uses, and its state (used while serving a
// request, idle between requests on a keep-alive connection). In a service
// set up by [github.com/otelvitals/vitals.Start], give the tracker Start's
// provider and producer, so that its metrics leave through Start's
// exporters (the package example shows it whole):
//
//	tr, err := conn.New(conn.WithMeterProvider(sys.MeterProvider()), conn.WithProducer(sys.Producer()))
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer tr.Shutdown(ctx)
//	srv := &http.Server{Addr: "127.0.0.1:8080", Handler: mux}
//	nethttp.TrackServer(srv, tr.Pool("http", "api"))
//
// The server's ConnState hook reports each transition: new (created),
// active (acquired: a use), idle (released), and closed or hijacked
// (destroyed: a hijacked connection, such as a WebSocket, has left the
// server, and its lifetime as an HTTP connection ends there).
//
// A connection held by one request for longer than the tracker's retention
// (conn.WithRetention, default 24h) expires as a connection held and
// forgotten would, and the health rules count it as leaked: give a server
// of long streams (server-sent events, long polls) a retention above its
// longest request.
//
// Nothing here panics on nil: a nil pool tracks nothing, and
// [TrackServer] of a nil server does nothing.
package nethttp // import "github.com/otelvitals/vitals/integrations/nethttp"
