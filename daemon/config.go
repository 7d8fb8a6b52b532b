package daemon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
)

// ErrConfig is wrapped by every error about a cluster config.
var ErrConfig = errors.New("bad cluster config")

// Config is a cluster's config file, shared by every node: who is who,
// where each listens, and the protocol's settings.
type Config struct {
	// Protocol is "multipaxos", the one protocol paxosd runs.
	Protocol  string   `json:"protocol"`
	Acceptors []Member `json:"acceptors"`
	Proposers []Member `json:"proposers"`
	// Pipeline is how many slots a leader may have in flight (default 1).
	Pipeline int `json:"pipeline,omitempty"`
	// Bugs switches on entries of impl/multipaxos's catalogue by name.
	Bugs []string `json:"bugs,omitempty"`
	// Backoff bounds a proposer's retry timer: a uniform random delay
	// from Min, whose upper end doubles at each timeout in a row, up to
	// Max (defaults 50ms and 1s).
	Backoff Backoff `json:"backoff,omitzero"`
	// Routes overrides, for one node, the address it dials to reach a
	// peer: routes["3"]["0"] is where node 3 sends node 0's messages (a
	// fault-injecting proxy, say). Absent pairs dial the peer's own
	// address.
	Routes map[string]map[string]string `json:"routes,omitempty"`
	// NoFsync skips fsync in the file store: for benchmarks only, as it
	// breaks the promise that a saved state survives a power loss.
	NoFsync bool `json:"no_fsync,omitempty"`
	// LossyDisk lets writes reach the state file only when they are
	// synced (storage.LogStore.Lossy): a kill -9 then loses what a power
	// loss would. A correct node syncs every write before it sends, so it
	// loses nothing; one that does not (no_fsync) forgets what it promised.
	LossyDisk bool `json:"lossy_disk,omitempty"`
}

// Member is one node of the config.
type Member struct {
	ID mp.NodeID `json:"id"`
	// Peer is the TCP address the node listens on for its peers' frames.
	Peer string `json:"peer"`
	// Client is a proposer's HTTP address for clients (proposers only).
	Client string `json:"client,omitempty"`
}

// Backoff is a retry timer's range.
type Backoff struct {
	Min Duration `json:"min,omitzero"`
	Max Duration `json:"max,omitzero"`
}

// Duration is a time.Duration written as "50ms" in JSON.
type Duration time.Duration

// MarshalJSON writes d as a string such as "50ms".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a string such as "50ms".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string such as \"50ms\", not %s", b)
	}
	x, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(x)
	return nil
}

// LoadConfig reads and checks the config file at path. Every problem is
// one error naming the file and wrapping ErrConfig.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseConfig reads and checks a config. Unknown fields are errors: a
// misspelt setting must not pass as absent.
func ParseConfig(b []byte) (*Config, error) {
	var c Config
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if d.More() {
		return nil, fmt.Errorf("%w: more than one JSON value", ErrConfig)
	}
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &c, nil
}

// Write writes c to path (for paxoscheck cluster, which makes the
// cluster's config).
func (c *Config) Write(path string) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func (c *Config) check() error {
	if c.Protocol != "multipaxos" {
		return fmt.Errorf("protocol %q: paxosd runs \"multipaxos\"", c.Protocol)
	}
	if c.Pipeline == 0 {
		c.Pipeline = 1
	}
	if c.Backoff.Min == 0 {
		c.Backoff.Min = Duration(50 * time.Millisecond)
	}
	if c.Backoff.Max == 0 {
		c.Backoff.Max = max(Duration(time.Second), c.Backoff.Min)
	}
	if c.Backoff.Min < 0 || c.Backoff.Max < c.Backoff.Min {
		return fmt.Errorf("backoff %v..%v: want 0 < min <= max", time.Duration(c.Backoff.Min), time.Duration(c.Backoff.Max))
	}
	mc, err := c.Core()
	if err != nil {
		return err
	}
	addrs := map[string]mp.NodeID{}
	for _, m := range c.members() {
		for _, a := range []struct{ what, addr string }{{"peer", m.Peer}, {"client", m.Client}} {
			if a.addr == "" {
				continue
			}
			if _, _, err := net.SplitHostPort(a.addr); err != nil {
				return fmt.Errorf("node %d: %s address %q: %v", m.ID, a.what, a.addr, err)
			}
			if other, ok := addrs[a.addr]; ok {
				return fmt.Errorf("node %d: %s address %s is node %d's as well", m.ID, a.what, a.addr, other)
			}
			addrs[a.addr] = m.ID
		}
		if m.Peer == "" {
			return fmt.Errorf("node %d has no peer address", m.ID)
		}
		r, _, _ := mc.RoleOf(m.ID)
		if (r == mp.RoleProposer) != (m.Client != "") {
			return fmt.Errorf("node %d: a proposer, and only a proposer, has a client address", m.ID)
		}
	}
	for from, tos := range c.Routes {
		f, err := c.nodeNamed(from)
		if err != nil {
			return fmt.Errorf("routes: %v", err)
		}
		for to, addr := range tos {
			t, err := c.nodeNamed(to)
			if err != nil {
				return fmt.Errorf("routes of node %d: %v", f, err)
			}
			if _, _, err := net.SplitHostPort(addr); err != nil {
				return fmt.Errorf("route %d->%d: address %q: %v", f, t, addr, err)
			}
		}
	}
	return nil
}

func (c *Config) members() []Member {
	return append(append([]Member(nil), c.Acceptors...), c.Proposers...)
}

func (c *Config) nodeNamed(s string) (mp.NodeID, error) {
	n, err := strconv.ParseUint(s, 10, 8)
	if err != nil {
		return 0, fmt.Errorf("%q is not a node id", s)
	}
	id := mp.NodeID(n)
	if _, ok := c.Member(id); !ok {
		return 0, fmt.Errorf("node %d is not in the config", id)
	}
	return id, nil
}

// Core returns the protocol's configuration of the cluster.
func (c *Config) Core() (mp.Config, error) {
	mc := mp.Config{Pipeline: c.Pipeline}
	for _, m := range c.Acceptors {
		mc.Acceptors = append(mc.Acceptors, m.ID)
	}
	for _, m := range c.Proposers {
		mc.Proposers = append(mc.Proposers, m.ID)
	}
	b, err := mp.BugsNamed(c.Bugs)
	if err != nil {
		return mc, err
	}
	mc.Bugs = b
	return mc, mc.Validate()
}

// Member returns node id's entry.
func (c *Config) Member(id mp.NodeID) (Member, bool) {
	for _, m := range c.members() {
		if m.ID == id {
			return m, true
		}
	}
	return Member{}, false
}

// Dial returns the address node from dials to reach node to.
func (c *Config) Dial(from, to mp.NodeID) string {
	if a, ok := c.Routes[strconv.Itoa(int(from))][strconv.Itoa(int(to))]; ok {
		return a
	}
	m, _ := c.Member(to)
	return m.Peer
}
