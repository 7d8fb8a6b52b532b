//go:build !linux

package mpcluster

import "syscall"

// procAttr puts a node in its own process group (only Linux can also
// tie its life to the run's process).
func procAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
