package siphash

import "testing"

// TestVectors checks outputs against the reference implementation's test
// vectors: key 00 01 … 0f, message 00 01 … of each length.
func TestVectors(t *testing.T) {
	var kb [16]byte
	for i := range kb {
		kb[i] = byte(i)
	}
	k := NewKey(kb)
	msg := make([]byte, 64)
	for i := range msg {
		msg[i] = byte(i)
	}
	for _, v := range []struct {
		n    int
		want uint64
	}{
		{0, 0x726fdb47dd0e0e31},
		{1, 0x74f839c593dc67fd},
		{7, 0xab0200f58b01d137},
		{8, 0x93f5f5799a932462},
		{15, 0xa129ca6149be45e5}, // the paper's worked example
		{16, 0x3f2acc7f57c29bdb},
		{63, 0x958a324ceb064572},
	} {
		if got := k.String(string(msg[:v.n])); got != v.want {
			t.Errorf("%d bytes: %016x, want %016x", v.n, got, v.want)
		}
	}
}

// TestKeyed checks that the key matters: one message under two keys that
// differ in one bit hashes apart.
func TestKeyed(t *testing.T) {
	var a, b [16]byte
	b[15] = 1
	if NewKey(a).String("user-42") == NewKey(b).String("user-42") {
		t.Fatal("two keys gave one hash")
	}
}

func TestNoAllocs(t *testing.T) {
	k := NewKey([16]byte{1})
	if n := testing.AllocsPerRun(100, func() { _ = k.String("alice@example.com") }); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}

func BenchmarkString(b *testing.B) {
	k := NewKey([16]byte{1})
	for b.Loop() {
		_ = k.String("user-8c1f2e-4b7d")
	}
}
