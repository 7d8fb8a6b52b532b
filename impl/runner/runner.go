package runner

import (
	"fmt"

	"github.com/paxoscheck/paxoscheck/impl/storage"
	"github.com/paxoscheck/paxoscheck/impl/timer"
)

// Effects is the part of a step's effects that the runner carries out,
// for a protocol whose durable state is D, whose messages are M and whose
// client answers are R: persist Persist (when non-nil) first, then send
// Send, then deliver Replies, then arm or cancel the node's timer. A
// core's own effects type (paxos.Effects) holds these and what only the
// protocol reads (a learned value).
type Effects[D, M, R any] struct {
	Persist *D
	Send    []M
	Replies []R
	Timer   TimerOp
}

// TimerOp is what a step does to its node's timer (impl/timer, the
// cores' own type). A node has one timer; when it fires, the node gets
// its timeout input. A crash disarms it.
type TimerOp = timer.Op

// The timer operations.
const (
	TimerKeep   = timer.Keep   // leave it as it is
	TimerArm    = timer.Arm    // arm it: a timeout may come
	TimerCancel = timer.Cancel // disarm it
)

// Timer is a node's one timer, as a runtime keeps it: armed, it fires
// the node's timeout input some time later (the runtime's choice: a
// randomized backoff, say); cancelled, it does not.
type Timer interface {
	Arm()
	Cancel()
}

// Transport sends a node's messages. Send hands m to the network; whether
// it arrives is the network's business.
type Transport[M any] interface {
	Send(m M)
}

// Clients takes a node's answers to its clients.
type Clients[R any] interface {
	Reply(r R)
}

// Apply carries out e: e.Persist (if any) is saved to store, and when the
// save fails Apply returns its error with nothing sent; then e.Send goes to
// net, in order; then e.Replies go to clients (nil: replies are not
// delivered); then e.Timer is done to timer (nil: the caller keeps the
// timers itself, as the state graph does in its states).
func Apply[D, M, R any](e Effects[D, M, R], store storage.Store[D], net Transport[M], clients Clients[R], timer Timer) error {
	if e.Persist != nil {
		if err := store.Save(*e.Persist); err != nil {
			return fmt.Errorf("runner: persisting before sending: %w", err)
		}
	}
	for _, m := range e.Send {
		net.Send(m)
	}
	if clients != nil {
		for _, r := range e.Replies {
			clients.Reply(r)
		}
	}
	if timer != nil {
		switch e.Timer {
		case TimerArm:
			timer.Arm()
		case TimerCancel:
			timer.Cancel()
		}
	}
	return nil
}

// ApplyGroup carries out the effects of several steps of one node, taken
// one after the other, with one write to stable storage (group commit):
// the last Persist of es (a durable state is the node's whole durable
// state, so the last one holds every earlier one) is saved first, and
// only then does each step, in order, call before(i) (nil: nothing; where
// a runtime readies the step's sends) and send, answer and set the timer
// as Apply would. (A runtime that records its steps does so before
// ApplyGroup: see daemon, whose lines of a group killed before its write
// are cut when it restarts.) A failed save sends nothing at all; a failed before(i)
// stops there, steps i.. sending nothing.
func ApplyGroup[D, M, R any](es []Effects[D, M, R], store storage.Store[D], net Transport[M], clients Clients[R], timer Timer, before func(i int) error) error {
	var last *D
	for i := range es {
		if es[i].Persist != nil {
			last = es[i].Persist
		}
	}
	if last != nil {
		if err := store.Save(*last); err != nil {
			return fmt.Errorf("runner: persisting before sending: %w", err)
		}
	}
	for i, e := range es {
		if before != nil {
			if err := before(i); err != nil {
				return err
			}
		}
		e.Persist = nil // saved above
		if err := Apply(e, store, net, clients, timer); err != nil {
			return err
		}
	}
	return nil
}

// Core is one node's protocol core as a real runtime drives it. Step
// applies the input in to the core's state (an input the core refuses is
// an error and changes nothing) and returns the effects for the runner;
// Crash and Restart are the inputs that crash the node and bring it back
// with durable state d.
type Core[I, D, M, R any] interface {
	Step(in I) (Effects[D, M, R], error)
	Crash() I
	Restart(d D) I
}

// Node is one node run for real: its core, its stable storage, its
// network, its clients and its timer.
type Node[I, D, M, R any] struct {
	Core    Core[I, D, M, R]
	Store   storage.Store[D]
	Net     Transport[M]
	Clients Clients[R]
	Timer   Timer
}

// Step applies in to the node's core and carries out the effects (Apply).
// An input the core refuses is an error and changes nothing; a failed
// persist is an error after which the node's state has moved on but
// nothing was sent (the caller should stop the node, as a crash would).
func (n *Node[I, D, M, R]) Step(in I) (Effects[D, M, R], error) {
	e, err := n.Core.Step(in)
	if err != nil {
		return e, err
	}
	return e, Apply(e, n.Store, n.Net, n.Clients, n.Timer)
}

// Crash stops the node: its volatile state is gone, its timer disarmed;
// the store stays.
func (n *Node[I, D, M, R]) Crash() error {
	_, err := n.Step(n.Core.Crash())
	if n.Timer != nil {
		n.Timer.Cancel()
	}
	return err
}

// Restart brings a crashed node back with what its store holds.
func (n *Node[I, D, M, R]) Restart() error {
	d, err := n.Store.Load()
	if err != nil {
		return fmt.Errorf("runner: restart: %w", err)
	}
	_, err = n.Step(n.Core.Restart(d))
	return err
}
