package multipaxos

import (
	"slices"
	"strings"
)

// Pair is one key and its value.
type Pair struct {
	Key, Val string
}

// Session is the dedup table's entry for one client: the last command of
// the client that took effect, and its reply (the answer a retry of it
// gets again).
type Session struct {
	Client ClientID
	Seq    uint32
	Reply  Reply
}

// KV is the replicated key-value state: the pairs, sorted by key, and the
// dedup table, sorted by client. Both are part of the state every replica
// computes from the log. It is a plain value: Apply never writes its
// slices in place.
type KV struct {
	Pairs    []Pair
	Sessions []Session
}

// Get returns the value of key and whether it is present.
func (kv *KV) Get(key string) (string, bool) {
	i, ok := slices.BinarySearchFunc(kv.Pairs, key, func(p Pair, k string) int { return strings.Compare(p.Key, k) })
	if !ok {
		return "", false
	}
	return kv.Pairs[i].Val, true
}

// session returns the dedup entry of client c (zero if none).
func (kv *KV) session(c ClientID) Session {
	i, ok := slices.BinarySearchFunc(kv.Sessions, c, func(s Session, c ClientID) int { return int(s.Client) - int(c) })
	if !ok {
		return Session{Client: c}
	}
	return kv.Sessions[i]
}

// Seen reports whether c's session has taken c, or a later command of the
// same client, already: the dedup table's verdict, and its reply if c is
// the last one it took.
func (kv *KV) Seen(c Command) (Reply, bool) {
	s := kv.session(c.Client)
	if c.Seq > s.Seq {
		return Reply{}, false
	}
	if c.Seq == s.Seq {
		return s.Reply, true
	}
	return Reply{Client: c.Client, Seq: c.Seq, Op: c.Op}, true
}

// put returns kv with key set to val (copied: kv's slices are not touched).
func (kv KV) put(key, val string) KV {
	i, ok := slices.BinarySearchFunc(kv.Pairs, key, func(p Pair, k string) int { return strings.Compare(p.Key, k) })
	ps := make([]Pair, 0, len(kv.Pairs)+1)
	ps = append(ps, kv.Pairs[:i]...)
	ps = append(ps, Pair{key, val})
	if ok {
		i++
	}
	kv.Pairs = append(ps, kv.Pairs[i:]...)
	return kv
}

// remember returns kv with s as its client's session (copied).
func (kv KV) remember(s Session) KV {
	i, ok := slices.BinarySearchFunc(kv.Sessions, s.Client, func(x Session, c ClientID) int { return int(x.Client) - int(c) })
	ss := make([]Session, 0, len(kv.Sessions)+1)
	ss = append(ss, kv.Sessions[:i]...)
	ss = append(ss, s)
	if ok {
		i++
	}
	kv.Sessions = append(ss, kv.Sessions[i:]...)
	return kv
}

// Apply applies c to kv and returns the new state, c's reply and whether
// c took effect. A no-op takes none; a command its session has seen
// (Seen) takes none and gets the reply the table holds, unless dedup is
// false (the no-dedup bug: the table is not consulted). kv itself is not
// changed.
func (kv KV) Apply(c Command, dedup bool) (KV, Reply, bool) {
	if c.Op == OpNoop || c.IsZero() {
		return kv, Reply{}, false
	}
	if dedup {
		if r, seen := kv.Seen(c); seen {
			return kv, r, false
		}
	}
	r := Reply{Client: c.Client, Seq: c.Seq, Op: c.Op}
	switch c.Op {
	case OpGet:
		r.Value, r.Found = kv.Get(c.Key)
	case OpPut:
		kv = kv.put(c.Key, c.Val)
		r.OK = true
	case OpCAS:
		if cur, _ := kv.Get(c.Key); cur == c.Old {
			kv = kv.put(c.Key, c.Val)
			r.OK = true
		}
	}
	return kv.remember(Session{Client: c.Client, Seq: c.Seq, Reply: r}), r, true
}
