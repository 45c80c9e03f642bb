//go:build unix

package spool

import (
	"os"
	"syscall"
)

// ownerOf returns the user that owns the file info describes.
func ownerOf(info os.FileInfo) (int, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
