package feature

import (
	"context"
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzRecord feeds arbitrary names, users, patterns and variants: nothing
// panics, names come out valid, and the snapshot is the same whoever the
// user was, so nothing of the identifier reaches it.
func FuzzRecord(f *testing.F) {
	f.Add("api_endpoint", "/search", "alice@example.com", "direct_call", "on", int64(1000), true)
	f.Add("", "\xff", "", "", "", int64(-1), false)
	f.Add("x", "y", "user-secret-7f3a", "custom pattern", "variant\x00", int64(1<<62), true)
	f.Fuzz(func(t *testing.T, typ, name, user, pattern, variant string, nanos int64, ok bool) {
		snapshot := func(user string) string {
			fx := newFixture(t, true)
			ft := fx.a.Feature(typ, name)
			if !utf8.ValidString(ft.Type()) || !utf8.ValidString(ft.Name()) || len(ft.Name()) > MaxNameLength {
				t.Fatalf("names %q %q", ft.Type(), ft.Name())
			}
			ft.RecordVariant(context.Background(), user, pattern, variant, time.Duration(nanos), ok)
			fx.collect()
			s := fx.a.Snapshot()
			if s.Features[0].Uses != 1 {
				t.Fatalf("%+v", s.Features[0])
			}
			b, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		other := "someone-else"
		if user == "" {
			other = ""
		}
		if a, b := snapshot(user), snapshot(other); a != b {
			t.Fatalf("the snapshot depends on the user identifier:\n%s\n%s", a, b)
		}
	})
}
