package vitals_test

import (
	"go/ast"
	"go/doc/comment"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocSnippetsAreExamples checks that every Go code block of a package
// comment (a doc.go), in this module and in the nested ones, is an excerpt
// of an Example function of the package: its lines, trimmed, appear in
// that order in one Example's body, which the compiler builds and go test
// runs. So a snippet in the documentation cannot drift from code that
// compiles. Blocks that are not Go (tables, formulas, flag lists) do not
// parse as Go and are left alone.
func TestDocSnippetsAreExamples(t *testing.T) {
	checked := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Name() != "doc.go" {
			return nil
		}
		blocks := goBlocks(t, path)
		if len(blocks) == 0 {
			return nil
		}
		examples := exampleBodies(t, filepath.Dir(path))
		for _, b := range blocks {
			checked++
			if missing, ok := excerptOfAny(b, examples); !ok {
				t.Errorf("%s: a Go block of the package doc is not an excerpt of an Example of the package (no Example has its lines in order); from %q on, no Example follows it:\n%s",
					path, missing, strings.Join(b, "\n"))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d Go blocks of package docs checked", checked)
	if checked < 10 {
		t.Errorf("checked %d Go blocks of package docs; the packages have more", checked)
	}
}

// goBlocks returns the code blocks of the package comment of the file
// path that parse as Go statements or declarations, each as its lines,
// trimmed, without the empty ones.
func goBlocks(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	if f.Doc == nil {
		return nil
	}
	var p comment.Parser
	var blocks [][]string
	for _, b := range p.Parse(f.Doc.Text()).Content {
		code, ok := b.(*comment.Code)
		if !ok || !isGo(code.Text) {
			continue
		}
		blocks = append(blocks, trimmedLines(code.Text))
	}
	return blocks
}

// isGo reports whether src parses as Go statements or declarations.
func isGo(src string) bool {
	fset := token.NewFileSet()
	if _, err := parser.ParseFile(fset, "", "package p\nfunc _() {\n"+src+"\n}\n", parser.SkipObjectResolution); err == nil {
		return true
	}
	_, err := parser.ParseFile(fset, "", "package p\n"+src, parser.SkipObjectResolution)
	return err == nil
}

// exampleBodies returns the bodies of the Example functions of the test
// files in dir, each as its lines, trimmed, without the empty ones.
func exampleBodies(t *testing.T, dir string) [][]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	var bodies [][]string
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || fn.Body == nil || !strings.HasPrefix(fn.Name.Name, "Example") {
				continue
			}
			body := src[fset.Position(fn.Body.Lbrace).Offset+1 : fset.Position(fn.Body.Rbrace).Offset]
			bodies = append(bodies, trimmedLines(string(body)))
		}
	}
	return bodies
}

func trimmedLines(s string) []string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// excerptOfAny reports whether block's lines appear in order in one of
// bodies; if not, it returns the first line of block that the body going
// furthest could not follow.
func excerptOfAny(block []string, bodies [][]string) (string, bool) {
	best := 0
	for _, body := range bodies {
		n := 0
		for _, l := range body {
			if n < len(block) && l == block[n] {
				n++
			}
		}
		if n == len(block) {
			return "", true
		}
		best = max(best, n)
	}
	return block[best], false
}
