// Package mpworld is Multi-Paxos's side of the protocol seam: *Setup
// answers the state graph's questions (graph.Protocol) by running and
// reading impl/multipaxos, as checker/paxos/world does for single-decree
// Paxos. Nothing here is a rule of Multi-Paxos that the code under test
// does not itself apply: inputs go through multipaxos.Node.Enabled and
// StepTo, the byte layout is impl/multipaxos's encoding.
//
// The graph's clients are operations: one command each, of a session
// (a client of the key-value store, multipaxos.ClientID) that numbers its
// commands and has one outstanding at a time (graph.Options.Follows).
package mpworld

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/impl/multipaxos"
)

// OpID is an operation's index: the state graph's client.
type OpID uint8

// The state graph at Multi-Paxos's types.
type (
	Options = graph.Options[multipaxos.NodeID]
	Action  = graph.Action[multipaxos.NodeID, OpID, multipaxos.Message]
	State   = graph.State[multipaxos.NodeID, multipaxos.Node, multipaxos.Message, multipaxos.Durable]
	Outcome = graph.Outcome[multipaxos.NodeID, OpID, multipaxos.Message, multipaxos.Effects]
)

// Op is one operation: a session's command and the proposer it goes to.
type Op struct {
	Cmd      multipaxos.Command
	Proposer multipaxos.NodeID
}

// Session is a client: the proposer it sends to and its commands, in
// order. NewSetup numbers them (Client, Seq).
type Session struct {
	Proposer multipaxos.NodeID
	Cmds     []multipaxos.Command
}

// Setup is the static part of a Multi-Paxos world: the cluster, the
// operations and the bounds of the state graph.
type Setup struct {
	Config multipaxos.Config
	Ops    []Op
	// MaxRound bounds proposer rounds: a timeout is offered only while
	// the round it would start stays at or below it. 0: unbounded.
	MaxRound uint32
	// Rounds, when set, bounds each proposer's rounds on its own (by
	// proposer index; 0 there: MaxRound), to let one proposer retry while
	// the others may not: a bound on the search, like MaxRound.
	Rounds []uint32
	Options
}

// NewSetup returns a acceptors and p proposers with pipeline pipe, and
// the sessions' commands as operations: session i is client i, its k-th
// command has sequence number k+1, and each runs after the one before it
// returned.
func NewSetup(a, p, pipe int, sessions []Session) Setup {
	s := Setup{Config: multipaxos.NewConfig(a, p, pipe)}
	for i, ss := range sessions {
		for k, c := range ss.Cmds {
			c.Client, c.Seq = multipaxos.ClientID(i), uint32(k+1)
			prev := -1
			if k > 0 {
				prev = len(s.Ops) - 1
			}
			s.Ops = append(s.Ops, Op{Cmd: c, Proposer: ss.Proposer})
			s.Follows = append(s.Follows, prev)
		}
	}
	return s
}

// Workload returns n sessions of per commands each over keys keys, the
// sessions spread over the proposers round-robin. Session i works on key
// "k<(i div proposers) mod keys>", so that each key is shared by sessions
// of different proposers (a stale read needs a write through one leader
// and a read through another): it puts, gets, and swaps the value it put
// for a new one (CAS), over and over. Every written value names its
// writer ("i.k"), so that no two writes write the same value; sessions
// that share a key make each other's CAS fail or succeed.
func Workload(c *multipaxos.Config, n, per, keys int) []Session {
	cycle := [...]multipaxos.Op{multipaxos.OpPut, multipaxos.OpGet, multipaxos.OpCAS}
	ops := make([][]multipaxos.Op, n)
	for i := range ops {
		for k := 0; k < per; k++ {
			ops[i] = append(ops[i], cycle[k%3])
		}
	}
	return sessions(c, ops, keys)
}

// ParseWorkload reads a workload written as sessions separated by ';',
// each a list of operations separated by ',' ("put,get;put": session 0
// puts and then gets, session 1 puts), with Workload's proposers, keys
// and values.
func ParseWorkload(c *multipaxos.Config, spec string, keys int) ([]Session, error) {
	var ops [][]multipaxos.Op
	for i, sess := range strings.Split(spec, ";") {
		var list []multipaxos.Op
		for _, name := range strings.Split(sess, ",") {
			o, err := multipaxos.ParseOp(strings.TrimSpace(name))
			if err != nil || o == multipaxos.OpNoop {
				return nil, fmt.Errorf("%w: workload %q: session %d: %q is not get, put or cas", multipaxos.ErrConfig, spec, i, strings.TrimSpace(name))
			}
			list = append(list, o)
		}
		ops = append(ops, list)
	}
	return sessions(c, ops, keys), nil
}

// sessions makes session i's commands of ops[i]: session i goes to
// proposer i mod proposers and works on key "k<(i div proposers) mod
// keys>"; its k-th command writes "i.k", and a CAS swaps the value the
// session last wrote ("" before it wrote) for it.
func sessions(c *multipaxos.Config, ops [][]multipaxos.Op, keys int) []Session {
	var out []Session
	for i, list := range ops {
		ss := Session{Proposer: c.Proposers[i%len(c.Proposers)]}
		key := "k" + strconv.Itoa(i/len(c.Proposers)%max(keys, 1))
		last := ""
		for k, o := range list {
			cmd := multipaxos.Command{Op: o, Key: key}
			if o != multipaxos.OpGet {
				cmd.Val = strconv.Itoa(i) + "." + strconv.Itoa(k+1)
			}
			if o == multipaxos.OpCAS {
				cmd.Old = last
			}
			if o != multipaxos.OpGet {
				last = cmd.Val
			}
			ss.Cmds = append(ss.Cmds, cmd)
		}
		out = append(out, ss)
	}
	return out
}

// Validate reports the first problem with the setup.
func (s *Setup) Validate() error {
	if err := s.Config.Validate(); err != nil {
		return err
	}
	if len(s.Ops) > graph.MaxClients {
		return fmt.Errorf("%w: %d operations, at most %d", multipaxos.ErrConfig, len(s.Ops), graph.MaxClients)
	}
	if len(s.Rounds) > len(s.Config.Proposers) {
		return fmt.Errorf("%w: round bounds for %d proposers, but there are %d", multipaxos.ErrConfig, len(s.Rounds), len(s.Config.Proposers))
	}
	for i, op := range s.Ops {
		if r, _, ok := s.Config.RoleOf(op.Proposer); !ok || r != multipaxos.RoleProposer {
			return fmt.Errorf("%w: operation %d goes to node %d, which is not a proposer", multipaxos.ErrConfig, i, op.Proposer)
		}
		if !op.Cmd.Valid() || op.Cmd.Op == multipaxos.OpNoop {
			return fmt.Errorf("%w: operation %d: %s is not a client's command", multipaxos.ErrConfig, i, op.Cmd)
		}
		for j := range i {
			// The same command at another proposer is the client
			// retrying there (as Drive's clusters do); it must be the
			// same command.
			same := s.Ops[j].Cmd.Client == op.Cmd.Client && s.Ops[j].Cmd.Seq == op.Cmd.Seq
			if same && (s.Ops[j].Proposer == op.Proposer || s.Ops[j].Cmd != op.Cmd) {
				return fmt.Errorf("%w: operations %d and %d are both command %d of client %d", multipaxos.ErrConfig, j, i, op.Cmd.Seq, op.Cmd.Client)
			}
		}
	}
	return nil
}
