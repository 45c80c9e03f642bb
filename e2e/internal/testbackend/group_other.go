//go:build !unix

package testbackend

import "syscall"

// ownGroup leaves a backend in the test's process group: process groups
// are a unix notion.
func ownGroup() *syscall.SysProcAttr { return nil }
