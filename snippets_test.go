package vitals_test

// The Go snippets of README.md and docs/*.md must compile. This test takes
// every ```go block of those files and builds it, in a package of its own
// under a temporary directory inside this module (so that vitals' imports
// resolve to this tree, and nothing is downloaded):
//
//   - A block that starts with "package" is a whole file, built as it is.
//   - Any other block is the body of a function: it must declare what it
//     uses (and use what it declares, as the compiler says), except for
//     the names a fragment marker gives it.
//   - A fragment marker is an HTML comment right before the block (blank
//     lines may sit between them), which Markdown renders as nothing. Its
//     first line is "<!-- go:fragment"; the lines after it, up to "-->",
//     are Go declarations at file level, placed before the function:
//
//	<!-- go:fragment
//	var ctx context.Context
//	var sys *vitals.System
//	type User struct{ Name string }
//	-->
//	```go
//	tr, err := conn.New(conn.WithMeterProvider(sys.MeterProvider()))
//	…
//	```
//
// Imports are added for the package names of knownImports the snippet and
// its declarations use; a snippet that uses another package names it in a
// whole file, or the package joins knownImports. Errors point at the
// Markdown file's lines.

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// knownImports maps the package names snippets may use without importing
// them to their import paths.
var knownImports = map[string]string{
	"context":     "context",
	"errors":      "errors",
	"fmt":         "fmt",
	"http":        "net/http",
	"io":          "io",
	"log":         "log",
	"os":          "os",
	"sql":         "database/sql",
	"strings":     "strings",
	"sync":        "sync",
	"time":        "time",
	"otel":        "go.opentelemetry.io/otel",
	"attribute":   "go.opentelemetry.io/otel/attribute",
	"metric":      "go.opentelemetry.io/otel/metric",
	"sdkmetric":   "go.opentelemetry.io/otel/sdk/metric",
	"metricdata":  "go.opentelemetry.io/otel/sdk/metric/metricdata",
	"resource":    "go.opentelemetry.io/otel/sdk/resource",
	"vitals":      "github.com/otelvitals/vitals",
	"exporters":   "github.com/otelvitals/vitals/exporters",
	"healthscore": "github.com/otelvitals/vitals/healthscore",
	"semconv":     "github.com/otelvitals/vitals/semconv",
	"conn":        "github.com/otelvitals/vitals/instrument/conn",
	"queue":       "github.com/otelvitals/vitals/instrument/queue",
	"cache":       "github.com/otelvitals/vitals/instrument/cache",
	"feature":     "github.com/otelvitals/vitals/instrument/feature",
	"admission":   "github.com/otelvitals/vitals/integrations/admission",
	"nethttp":     "github.com/otelvitals/vitals/integrations/nethttp",
	"sqldb":       "github.com/otelvitals/vitals/integrations/sqldb",
}

// snippet is one ```go block of a Markdown file.
type snippet struct {
	file      string // the Markdown file, relative to the module root
	line      int    // the line of the block's first line of code
	code      string
	decls     string // a fragment marker's declarations
	declsLine int    // the line of their first line
}

// markdownSnippets returns the ```go blocks of the Markdown file name.
func markdownSnippets(t *testing.T, name string) []snippet {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var (
		out                []snippet
		in, inMarker       bool
		cur                snippet
		code, decls        []string
		marker, markerLine = false, 0
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case in:
			if trimmed == "```" {
				cur.code = strings.Join(code, "\n") + "\n"
				out = append(out, cur)
				in, code = false, nil
				continue
			}
			code = append(code, line)
		case inMarker:
			if trimmed == "-->" {
				inMarker, marker = false, true
				continue
			}
			decls = append(decls, line)
		case trimmed == "<!-- go:fragment":
			inMarker, decls, markerLine = true, nil, n+1
		case trimmed == "```go":
			in = true
			cur = snippet{file: name, line: n + 1}
			if marker {
				cur.decls, cur.declsLine = strings.Join(decls, "\n")+"\n", markerLine
			}
			marker = false
		case trimmed == "":
		default:
			if marker {
				t.Errorf("%s:%d: a go:fragment marker not followed by a ```go block", name, markerLine-1)
			}
			marker = false
		}
	}
	if in || inMarker {
		t.Errorf("%s: a ```go block or a go:fragment marker is not closed", name)
	}
	return out
}

// source returns the file that builds s as package pkg.
func (s snippet) source(t *testing.T, pkg string) string {
	t.Helper()
	if strings.HasPrefix(strings.TrimSpace(s.code), "package ") {
		return fmt.Sprintf("//line %s:%d\n%s", s.file, s.line, s.code)
	}
	var body strings.Builder
	if s.decls != "" {
		fmt.Fprintf(&body, "//line %s:%d\n%s", s.file, s.declsLine, s.decls)
	}
	fmt.Fprintf(&body, "func _() {\n//line %s:%d\n%s}\n", s.file, s.line, s.code)
	// Parse without imports to see which package names are unresolved.
	f, err := parser.ParseFile(token.NewFileSet(), "", "package "+pkg+"\n"+body.String(), parser.SkipObjectResolution)
	if err != nil {
		// Leave the error to the compiler, which says it at the
		// Markdown line.
		return "package " + pkg + "\n" + body.String()
	}
	var imports []string
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				if path, ok := knownImports[id.Name]; ok && !declares(f, id.Name) {
					imports = append(imports, fmt.Sprintf("%s %q", id.Name, path))
				}
			}
		}
		return true
	})
	slices.Sort(imports)
	imports = slices.Compact(imports)
	return "package " + pkg + "\n\nimport (\n" + strings.Join(imports, "\n") + "\n)\n\n" + body.String()
}

// declares reports whether name is declared anywhere in f, as a variable,
// a parameter or at file level, and so is not a package name there. It
// errs on the side of declaring: a snippet that names a variable after a
// package it also uses gets no import, and the compiler says so.
func declares(f *ast.File, name string) bool {
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Name == name {
						found = true
					}
				}
			}
		case *ast.ValueSpec:
			for _, id := range n.Names {
				found = found || id.Name == name
			}
		case *ast.Field:
			for _, id := range n.Names {
				found = found || id.Name == name
			}
		case *ast.TypeSpec:
			found = found || n.Name.Name == name
		case *ast.FuncDecl:
			found = found || n.Name.Name == name
		}
		return !found
	})
	return found
}

// TestMarkdownSnippetsCompile builds every Go snippet of README.md and
// docs/*.md (see the top of this file for the conventions).
func TestMarkdownSnippetsCompile(t *testing.T) {
	goBin := goCommand(t)
	docs, err := filepath.Glob(filepath.Join("docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	var snippets []snippet
	for _, name := range append([]string{"README.md"}, docs...) {
		snippets = append(snippets, markdownSnippets(t, filepath.ToSlash(name))...)
	}
	if len(snippets) == 0 {
		t.Fatal("no Go snippets found in README.md")
	}
	// A directory whose name starts with "_" is left out of ./..., so
	// nothing else that builds the module meets these packages.
	dir, err := os.MkdirTemp(".", "_snippets")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	args := []string{"build", "-o", os.DevNull}
	for i, s := range snippets {
		pkg := fmt.Sprintf("snippet%d", i)
		sub := filepath.Join(dir, pkg)
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, "snippet.go"), []byte(s.source(t, pkg)), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "./"+filepath.ToSlash(sub))
	}
	cmd := exec.Command(goBin, args...)
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("the Markdown's Go snippets do not compile (%v):\n%s", err, out)
	}
	t.Logf("%d snippets", len(snippets))
}

// TestReadmeQuickstartIsTheProgram checks that the README's first snippet,
// which it calls the whole of examples/quickstart, is the body of that
// program's main, line for line.
func TestReadmeQuickstartIsTheProgram(t *testing.T) {
	name := filepath.Join("examples", "quickstart", "main.go")
	src, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var body string
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == "main" {
			inner := src[fset.Position(fn.Body.Lbrace).Offset+1 : fset.Position(fn.Body.Rbrace).Offset]
			var lines []string
			for _, l := range strings.Split(strings.Trim(string(inner), "\n"), "\n") {
				lines = append(lines, strings.TrimPrefix(l, "\t"))
			}
			body = strings.Join(lines, "\n") + "\n"
		}
	}
	if body == "" {
		t.Fatalf("%s has no func main", name)
	}
	snippets := markdownSnippets(t, "README.md")
	if len(snippets) == 0 {
		t.Fatal("README.md has no Go snippet")
	}
	if got := snippets[0].code; got != body {
		t.Errorf("README.md:%d, the quickstart, is not the body of main in %s:\n%s\nwant:\n%s", snippets[0].line, name, got, body)
	}
}
