package clock

import "testing"

// TestBucketAndSlot checks both at, around and below the origin.
func TestBucketAndSlot(t *testing.T) {
	for _, tt := range []struct{ t, width, bucket, slot int64 }{
		{0, 10, 0, 0}, {9, 10, 0, 0}, {10, 10, 1, 1}, {-1, 10, -1, 29}, {-10, 10, -1, 29}, {-11, 10, -2, 28}, {305, 10, 30, 0},
	} {
		if b := Bucket(tt.t, tt.width); b != tt.bucket {
			t.Errorf("Bucket(%d, %d) = %d, want %d", tt.t, tt.width, b, tt.bucket)
		}
		if s := Slot(Bucket(tt.t, tt.width), 30); s != tt.slot {
			t.Errorf("Slot of %d = %d, want %d", tt.t, s, tt.slot)
		}
	}
}
