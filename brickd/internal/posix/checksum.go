package posix

import (
	"crypto/sha256"

	"golang.org/x/sys/unix"
)

// checksumBuf is the most read from the file at once while checksumming.
const checksumBuf = 1 << 20

// Checksums returns the SHA-256 of each chunk-sized piece of the file from
// off over length bytes, for the self-heal engine to find which pieces of
// two replicas differ. The last piece may be short at end of file; pieces
// that start at or past the end of file are absent. Holes read as zeros,
// as they do for a client.
func (f *File) Checksums(off, length int64, chunk int) ([][32]byte, error) {
	if off < 0 || length < 0 || chunk <= 0 {
		return nil, unix.EINVAL
	}
	buf := make([]byte, min(int64(chunk), checksumBuf, max(length, 1)))
	var out [][32]byte
	for pos, end := off, off+length; pos < end; pos += int64(chunk) {
		n := min(int64(chunk), end-pos)
		sum, got, err := f.checksum(buf, pos, n)
		if err != nil {
			return nil, err
		}
		if got == 0 {
			break
		}
		out = append(out, sum)
		if got < n {
			break
		}
	}
	return out, nil
}

// checksum hashes up to n bytes at off with buf, and returns how many
// there were before end of file.
func (f *File) checksum(buf []byte, off, n int64) ([32]byte, int64, error) {
	h := sha256.New()
	var done int64
	for done < n {
		want := min(int64(len(buf)), n-done)
		got, err := f.ReadAt(buf[:want], off+done)
		if err != nil {
			return [32]byte{}, 0, err
		}
		h.Write(buf[:got])
		done += int64(got)
		if int64(got) < want {
			break
		}
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum, done, nil
}
