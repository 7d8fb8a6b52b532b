package mpcluster

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// proc is one paxosd process of the run, which the nemesis may kill and
// restart.
type proc struct {
	name string
	args []string // the paxosd command line
	log  string   // its stderr, appended across lives

	mu    sync.Mutex
	cmd   *exec.Cmd
	done  chan struct{} // closed when the current life has exited
	err   error         // how the last life ended
	lives int
	kills int
	fails []string // lives that ended on their own, or with a bad status
}

// start begins a new life.
func (p *proc) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return fmt.Errorf("%s is running", p.name)
	}
	f, err := os.OpenFile(p.log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(p.args[0], p.args[1:]...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	p.lives++
	p.cmd, p.done = cmd, make(chan struct{})
	done, life := p.done, p.lives
	go func() {
		err := cmd.Wait()
		f.Close()
		p.mu.Lock()
		p.err = err
		if p.cmd == cmd {
			p.cmd = nil
			// Nobody asked it to stop: it failed on its own.
			p.fails = append(p.fails, fmt.Sprintf("%s life %d exited by itself: %v (see %s)", p.name, life, describeExit(err), p.log))
		}
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

// kill9 ends the current life with SIGKILL (nothing of the process runs
// after it: its last trace line is whatever it wrote before).
func (p *proc) kill9() {
	p.signal(syscall.SIGKILL, true)
}

// stop ends the current life with SIGTERM (a graceful stop, which
// records a crash), and with SIGKILL after grace.
func (p *proc) stop(grace time.Duration) {
	done := p.signal(syscall.SIGTERM, false)
	if done == nil {
		return
	}
	select {
	case <-done:
	case <-time.After(grace):
		p.mu.Lock()
		p.fails = append(p.fails, fmt.Sprintf("%s did not stop within %v of SIGTERM: killed", p.name, grace))
		p.mu.Unlock()
		p.kill9()
	}
}

// signal sends sig to the current life, marks it as ended by the run,
// and returns its done channel (nil: not running). With wait, it waits
// for the exit.
func (p *proc) signal(sig syscall.Signal, wait bool) chan struct{} {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	if cmd == nil {
		p.mu.Unlock()
		return nil
	}
	p.cmd = nil // ended by us, not a failure
	if sig == syscall.SIGKILL {
		p.kills++
	}
	p.mu.Unlock()
	cmd.Process.Signal(sig)
	if wait {
		<-done
		p.mu.Lock()
		err := p.err
		p.mu.Unlock()
		if sig == syscall.SIGTERM && err != nil {
			p.mu.Lock()
			p.fails = append(p.fails, fmt.Sprintf("%s stopped with %v (see %s)", p.name, describeExit(err), p.log))
			p.mu.Unlock()
		}
	}
	return done
}

// running reports whether a life is running.
func (p *proc) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd != nil
}

func describeExit(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return "signal " + ws.Signal().String()
		}
		return fmt.Sprintf("exit status %d", ee.ExitCode())
	}
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// freeAddrs reserves n loopback addresses: each is listened on until
// release is called, so that the run's own listeners (its proxies) take
// other ports, and a node started right after release takes its own.
// (Another process can take a port in between; the node then fails to
// start, and the run says so.)
func freeAddrs(n int) (addrs []string, release func(), err error) {
	var lns []net.Listener
	release = func() {
		for _, ln := range lns {
			ln.Close()
		}
		lns = nil
	}
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			release()
			return nil, nil, err
		}
		lns = append(lns, ln)
		addrs = append(addrs, ln.Addr().String())
	}
	return addrs, release, nil
}
