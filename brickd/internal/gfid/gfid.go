// Package gfid owns the brick's view of inode identities: the 16-byte gfid,
// its canonical UUID text form and its place in the handle index
// (.mortar/handles/xx/yy/<uuid>). It has no I/O.
package gfid

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
)

// Gfid is the 16-byte identity of an inode, the same on every replica.
type Gfid [16]byte

// Root is the gfid of every brick's root directory.
var Root = Gfid{15: 1}

// ErrMalformed is returned for a gfid that is not 16 bytes or not a UUID.
var ErrMalformed = errors.New("malformed gfid")

// FromBytes converts a wire gfid. Anything but 16 bytes, and the all-zero
// gfid, are malformed.
func FromBytes(b []byte) (Gfid, error) {
	var g Gfid
	if len(b) != len(g) {
		return g, fmt.Errorf("%w: %d bytes", ErrMalformed, len(b))
	}
	copy(g[:], b)
	if g.IsZero() {
		return g, fmt.Errorf("%w: zero", ErrMalformed)
	}
	return g, nil
}

// Parse reads the canonical UUID form (8-4-4-4-12 lowercase or uppercase hex).
func Parse(s string) (Gfid, error) {
	var g Gfid
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return g, fmt.Errorf("%w: %q", ErrMalformed, s)
	}
	h := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	if _, err := hex.Decode(g[:], []byte(h)); err != nil {
		return g, fmt.Errorf("%w: %q", ErrMalformed, s)
	}
	return g, nil
}

// New returns a random (version 4) gfid.
func New() Gfid {
	var g Gfid
	if _, err := rand.Read(g[:]); err != nil {
		panic(fmt.Sprintf("gfid: no randomness: %v", err))
	}
	g[6] = g[6]&0x0f | 0x40
	g[8] = g[8]&0x3f | 0x80
	return g
}

// IsZero reports whether g is unset.
func (g Gfid) IsZero() bool { return g == Gfid{} }

// Bytes returns a copy of g as a slice, for the wire.
func (g Gfid) Bytes() []byte { return append([]byte(nil), g[:]...) }

// String formats g as a canonical lowercase UUID.
func (g Gfid) String() string {
	var b [36]byte
	hex.Encode(b[0:8], g[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], g[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], g[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], g[8:10])
	b[23] = '-'
	hex.Encode(b[24:], g[10:])
	return string(b[:])
}

// HandleDir is the two-level directory of g's handle under
// .mortar/handles: "xx/yy", the first two bytes in hex.
func (g Gfid) HandleDir() string {
	return hex.EncodeToString(g[0:1]) + "/" + hex.EncodeToString(g[1:2])
}

// HandlePath is g's handle relative to .mortar/handles: "xx/yy/<uuid>".
func (g Gfid) HandlePath() string {
	return g.HandleDir() + "/" + g.String()
}
