package mpcluster

import "syscall"

// procAttr puts a node in its own process group and has the kernel kill
// it when the run's process dies, even by kill -9: no node outlives the
// run.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
