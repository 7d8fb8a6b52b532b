package mpcluster

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
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

	mu     sync.Mutex
	cmd    *exec.Cmd     // the current life (nil: none runs)
	done   chan struct{} // closed when the current life has exited
	ending string        // how the run ended the current life: "", "kill", "term"
	lives  int
	kills  int
	fails  []string // lives that ended on their own, or not as asked
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
	p.cmd, p.done, p.ending = cmd, make(chan struct{}), ""
	done, life := p.done, p.lives
	go func() {
		err := cmd.Wait()
		f.Close()
		p.mu.Lock()
		switch p.ending {
		case "":
			p.fails = append(p.fails, fmt.Sprintf("%s life %d exited by itself: %v%s (see %s)", p.name, life, describeExit(err), lastWords(p.log), p.log))
		case "term":
			if err != nil {
				p.fails = append(p.fails, fmt.Sprintf("%s life %d stopped with %v on SIGTERM (see %s)", p.name, life, describeExit(err), p.log))
			}
		}
		p.cmd = nil
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

// lastWords is the last line of a log, quoted after a colon ("" if none):
// what a node that exits by itself says last is why.
func lastWords(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if last := strings.TrimSpace(lines[len(lines)-1]); last != "" {
		return ": " + strconv.Quote(last)
	}
	return ""
}

// kill9 ends the current life with SIGKILL (nothing of the process runs
// after it: its last trace line is whatever it wrote before) and waits
// for it.
func (p *proc) kill9() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	if cmd == nil {
		p.mu.Unlock()
		return
	}
	if p.ending == "" {
		p.kills++
	}
	p.ending = "kill"
	p.mu.Unlock()
	cmd.Process.Kill()
	<-done
}

// stop ends the current life with SIGTERM (a graceful stop, which
// records a crash), and with SIGKILL if it has not exited after grace
// (a failure of the run: a node must obey SIGTERM).
func (p *proc) stop(grace time.Duration) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	if cmd == nil {
		p.mu.Unlock()
		return
	}
	p.ending = "term"
	p.mu.Unlock()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		p.mu.Lock()
		p.fails = append(p.fails, fmt.Sprintf("%s did not stop within %v of SIGTERM: killed", p.name, grace))
		p.ending = "kill"
		p.mu.Unlock()
		cmd.Process.Kill()
		<-done
	}
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
