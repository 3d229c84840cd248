package fop

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// Gfid is the 16-byte identity of an inode, the same on every replica.
type Gfid [16]byte

// RootGfid is the gfid of every volume's root directory.
var RootGfid = Gfid{15: 1}

// NewGfid returns a random (version 4) gfid.
func NewGfid() Gfid {
	var g Gfid
	if _, err := rand.Read(g[:]); err != nil {
		panic(fmt.Sprintf("fop: no randomness for a gfid: %v", err))
	}
	g[6] = g[6]&0x0f | 0x40
	g[8] = g[8]&0x3f | 0x80
	return g
}

// GfidFromBytes converts a wire gfid; anything but 16 bytes is an error.
func GfidFromBytes(b []byte) (Gfid, error) {
	var g Gfid
	if len(b) != len(g) {
		return g, fmt.Errorf("gfid of %d bytes, want 16", len(b))
	}
	copy(g[:], b)
	return g, nil
}

// IsZero reports whether g is unset.
func (g Gfid) IsZero() bool { return g == Gfid{} }

// Ino is the inode number reported to the kernel: stable, derived from the
// gfid, and 1 for the root.
func (g Gfid) Ino() uint64 {
	ino := binary.BigEndian.Uint64(g[:8]) ^ binary.BigEndian.Uint64(g[8:])
	if ino == 0 {
		ino = 1<<63 | 1 // 0 is not a valid inode number; the root is 1
	}
	return ino
}

// String formats g as a canonical UUID.
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
