package conn

import (
	"context"
	"errors"
	"testing"
	"unicode/utf8"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// FuzzNamesAndIDs feeds arbitrary pool names and connection IDs through the
// handle and keyed APIs: nothing panics, names come out valid and bounded,
// and the counts stay consistent.
func FuzzNamesAndIDs(f *testing.F) {
	for _, seed := range [][3]string{
		{"database", "main", "conn_1"}, {"", "", ""}, {"\xff\xfe", "pool\x00", "id\xff"},
		{string(make([]byte, 5000)), "p", "x"}, {"héllo", "wörld", "ünïcode"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, typ, name, id string) {
		reader := sdkmetric.NewManualReader()
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
		defer mp.Shutdown(context.Background())
		tr, err := New(WithMeterProvider(mp), WithMaxPools(4))
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Shutdown(context.Background())
		p := tr.Pool(typ, name)
		if !utf8.ValidString(p.Type()) || !utf8.ValidString(p.Name()) || len(p.Name()) > MaxNameLength {
			t.Fatalf("names %q %q", p.Type(), p.Name())
		}
		c := p.Open()
		c.Use()
		c.Close()
		c.Close()
		createErr := tr.Created(id, typ, name)
		if id == "" != errors.Is(createErr, ErrEmptyID) {
			t.Fatalf("Created(%q): %v", id, createErr)
		}
		_ = tr.Used(id)
		if err := tr.Destroyed(id); (createErr == nil) != (err == nil) {
			t.Fatalf("Destroyed after Created %v: %v", createErr, err)
		}
		s := tr.Snapshot().Pools[0]
		if s.Open != 0 || s.Created != s.Destroyed {
			t.Fatalf("%+v", s)
		}
		collectOrFail(t, reader)
	})
}

// collectOrFail collects once; a collection must never fail.
func collectOrFail(t *testing.T, r *sdkmetric.ManualReader) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
}
