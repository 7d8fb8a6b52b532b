package runner

import (
	"fmt"

	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/impl/storage"
)

// Transport sends a node's messages. Send hands m to the network; whether
// it arrives is the network's business.
type Transport interface {
	Send(m paxos.Message)
}

// Clients takes a node's answers to its clients.
type Clients interface {
	Reply(r paxos.Reply)
}

// Apply carries out e: e.Persist (if any) is saved to store, and when the
// save fails Apply returns its error with nothing sent; then e.Send goes to
// net, in order; then e.Replies go to clients (nil: replies are not
// delivered).
func Apply(e *paxos.Effects, store storage.Store, net Transport, clients Clients) error {
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
	return nil
}

// Node is one node run for real: its core state, the configuration, its
// stable storage, its network and its clients.
type Node struct {
	Config  *paxos.Config
	State   paxos.Node
	Store   storage.Store
	Net     Transport
	Clients Clients
}

// Step applies in to the node's core and carries out the effects (Apply).
// An input the core refuses is an error and changes nothing; a failed
// persist is an error after which the node's state has moved on but
// nothing was sent (the caller should stop the node, as a crash would).
func (n *Node) Step(in paxos.Input) (paxos.Effects, error) {
	next, e, err := n.State.Step(n.Config, in)
	if err != nil {
		return e, err
	}
	n.State = next
	return e, Apply(&e, n.Store, n.Net, n.Clients)
}

// Crash stops the node: its volatile state is gone; the store stays.
func (n *Node) Crash() error {
	_, err := n.Step(paxos.Input{Kind: paxos.InCrash})
	return err
}

// Restart brings a crashed node back with what its store holds.
func (n *Node) Restart() error {
	d, err := n.Store.Load()
	if err != nil {
		return fmt.Errorf("runner: restart: %w", err)
	}
	_, err = n.Step(paxos.Input{Kind: paxos.InRestart, Durable: d})
	return err
}
