//go:build unix

package testbackend

import "syscall"

// ownGroup puts a backend in a process group of its own, so that a signal
// to the test's group (Ctrl-C) does not reach it before its cleanup does.
func ownGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
