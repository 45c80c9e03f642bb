package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultMaxFiles is how many documents a [Dir] keeps when MaxFiles is 0.
const DefaultMaxFiles = 16

// fileSuffix names the documents of a Dir; files without it (such as the
// temporary files of a write in progress) are not documents.
const fileSuffix = ".vitals-spool.json"

// seq makes names unique within a process.
var seq atomic.Uint64

// ErrUnsafeDir is wrapped by the errors of a [Dir] whose directory others
// could read or write, or that is not a plain directory.
var ErrUnsafeDir = errors.New("spool: unsafe directory")

// Dir stores documents as files in one directory: each written atomically
// (a temporary file renamed into place), readable only by its owner, and
// named so that names sort oldest first.
//
// The directory must be the process's own (see [Dir.Check]); Write and
// List refuse one that is not, so that no one else can plant a document
// for the process to deliver, or read what it keeps.
type Dir struct {
	// Path is the directory; Write creates it if needed, with mode 0700.
	Path string
	// MaxFiles bounds the documents kept: Write removes the oldest beyond
	// it. 0 means DefaultMaxFiles.
	MaxFiles int
	// Now returns the time that names a document; nil means time.Now.
	Now func() time.Time
}

// Write stores b as a new document and returns its file name, then removes
// the oldest documents beyond MaxFiles.
func (d Dir) Write(b []byte) (string, error) {
	if err := d.Check(); err != nil {
		return "", err
	}
	if err := os.MkdirAll(d.Path, 0o700); err != nil {
		return "", fmt.Errorf("spool: %w", err)
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	name := fmt.Sprintf("%020d-%06d-%04d%s", now().UnixNano(), os.Getpid()%1_000_000, seq.Add(1)%10_000, fileSuffix)
	tmp, err := os.CreateTemp(d.Path, ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("spool: %w", err)
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(d.Path, name))
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return "", fmt.Errorf("spool: %w", err)
	}
	return name, d.prune()
}

// List returns the names of the stored documents, oldest first. A missing
// directory holds none.
func (d Dir) List() ([]string, error) {
	if err := d.Check(); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(d.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), fileSuffix) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// Read returns the document called name.
func (d Dir) Read(name string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(d.Path, filepath.Base(name)))
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	return b, nil
}

// Remove deletes the document called name; a missing one is not an error.
func (d Dir) Remove(name string) error {
	err := os.Remove(filepath.Join(d.Path, filepath.Base(name)))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}

// Check returns nil if the directory is missing (Write creates it, mode
// 0700) or is safe to keep documents in: a directory itself, not a
// symbolic link to one, and, except on Windows, owned by the process's
// effective user and writable by no one else, so that no one else can
// plant, replace or remove a document. (Others may be let list it: the
// documents themselves are readable by their owner only.) Otherwise the
// error wraps [ErrUnsafeDir] and says how to fix it; Check never changes
// the directory.
func (d Dir) Check() error {
	info, err := os.Lstat(d.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	switch {
	case info.Mode()&os.ModeSymlink != 0:
		return fmt.Errorf("%w: %s is a symbolic link; give the directory it points to, or another", ErrUnsafeDir, d.Path)
	case !info.IsDir():
		return fmt.Errorf("%w: %s is not a directory", ErrUnsafeDir, d.Path)
	case runtime.GOOS == "windows":
		// Windows has ACLs, which the mode bits do not show.
		return nil
	case info.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("%w: %s has mode %04o, which lets group or others write in it; want 0700 (chmod 700 %s)",
			ErrUnsafeDir, d.Path, info.Mode().Perm(), d.Path)
	}
	if uid, ok := ownerOf(info); ok && uid != os.Geteuid() {
		return fmt.Errorf("%w: %s belongs to user %d, not to this process's user %d", ErrUnsafeDir, d.Path, uid, os.Geteuid())
	}
	return nil
}

func (d Dir) prune() error {
	limit := d.MaxFiles
	if limit <= 0 {
		limit = DefaultMaxFiles
	}
	names, err := d.List()
	if err != nil {
		return err
	}
	var errs []error
	for len(names) > limit {
		errs = append(errs, d.Remove(names[0]))
		names = names[1:]
	}
	return errors.Join(errs...)
}
