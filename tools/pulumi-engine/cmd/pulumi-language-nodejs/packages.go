package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Entry points of the Node.js SDK (relative to node_modules/@pulumi/pulumi).
const (
	runModule = "cmd/run"
)

// packageJSON holds the package.json fields this host reads.
type packageJSON struct {
	Name            string                  `json:"name"`
	Version         string                  `json:"version"`
	Main            string                  `json:"main"`
	Pulumi          plugin.PulumiPluginJSON `json:"pulumi"`
	Dependencies    map[string]string       `json:"dependencies"`
	DevDependencies map[string]string       `json:"devDependencies"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return &p, nil
}

// ancestors returns dir and each of its parent folders, nearest first (the folders Node searches for node_modules).
func ancestors(dir string) []string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	var out []string
	for {
		out = append(out, abs)
		parent := filepath.Dir(abs)
		if parent == abs {
			return out
		}
		abs = parent
	}
}

// locateSDKModule finds node_modules/@pulumi/pulumi/<module> the way Node's resolver would from dir: in dir's
// node_modules, then in each parent's. It returns the module folder (Node loads its index.js).
func locateSDKModule(dir, module string) (string, error) {
	if dir == "" {
		return "", errors.New("the engine sent no program directory")
	}
	for _, d := range ancestors(dir) {
		candidate := filepath.Join(d, "node_modules", "@pulumi", "pulumi", filepath.FromSlash(module))
		if _, err := os.Stat(filepath.Join(candidate, "index.js")); err == nil {
			return candidate, nil
		}
	}
	return "", fmt.Errorf("could not find @pulumi/pulumi/%s from %s or its parent folders: "+
		"the Pulumi Node.js SDK is not installed, run `npm ci` in the project", module, dir)
}

// findPulumiPackages lists the resource plugins declared by npm packages visible from dir: every node_modules
// folder Node would search from dir (dir and its parents), including packages nested in other packages'
// node_modules. Packages are reported once per name and version, sorted by name.
func findPulumiPackages(dir string) ([]*pulumirpc.PackageDependency, error) {
	if dir == "" {
		return nil, nil
	}
	found := map[string]*pulumirpc.PackageDependency{}
	visited := map[string]bool{}
	var errs []error
	for _, d := range ancestors(dir) {
		scanNodeModules(filepath.Join(d, "node_modules"), found, visited, &errs)
	}
	out := make([]*pulumirpc.PackageDependency, 0, len(found))
	for _, p := range found {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Version < out[j].Version
	})
	if len(errs) > 0 {
		// A broken package.json must not hide the others; report it on stderr (the engine logs plugin stderr).
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: while listing plugins: %v\n", errors.Join(errs...))
	}
	return out, nil
}

func scanNodeModules(nm string, found map[string]*pulumirpc.PackageDependency, visited map[string]bool, errs *[]error) {
	real, err := filepath.EvalSymlinks(nm)
	if err != nil || visited[real] {
		return
	}
	visited[real] = true
	entries, err := os.ReadDir(real)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !isDirLike(real, e) {
			continue
		}
		if strings.HasPrefix(name, "@") {
			scoped, err := os.ReadDir(filepath.Join(real, name))
			if err != nil {
				continue
			}
			for _, s := range scoped {
				if isDirLike(filepath.Join(real, name), s) {
					scanPackage(filepath.Join(real, name, s.Name()), found, visited, errs)
				}
			}
			continue
		}
		scanPackage(filepath.Join(real, name), found, visited, errs)
	}
}

func isDirLike(parent string, e fs.DirEntry) bool {
	if e.IsDir() {
		return true
	}
	if e.Type()&fs.ModeSymlink != 0 {
		fi, err := os.Stat(filepath.Join(parent, e.Name()))
		return err == nil && fi.IsDir()
	}
	return false
}

func scanPackage(dir string, found map[string]*pulumirpc.PackageDependency, visited map[string]bool, errs *[]error) {
	pj := filepath.Join(dir, "package.json")
	p, err := readPackageJSON(pj)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			*errs = append(*errs, err)
		}
		return
	}
	if p.Pulumi.Resource {
		dep, err := packageDependency(p)
		if err != nil {
			*errs = append(*errs, fmt.Errorf("%s: %w", pj, err))
		} else {
			found[dep.Name+"@"+dep.Version] = dep
		}
	}
	scanNodeModules(filepath.Join(dir, "node_modules"), found, visited, errs)
}

// packageDependency turns a package.json `pulumi` block into the engine's package descriptor: the plugin name is
// `pulumi.name`, else the unscoped name of an @pulumi/ package; the version is `pulumi.version`, else the package
// version, with a leading "v".
func packageDependency(p *packageJSON) (*pulumirpc.PackageDependency, error) {
	name := p.Pulumi.Name
	if name == "" {
		if !strings.HasPrefix(p.Name, "@pulumi/") {
			return nil, fmt.Errorf("package %q declares a resource plugin but no \"pulumi.name\"", p.Name)
		}
		name = strings.TrimPrefix(p.Name, "@pulumi/")
	}
	ver := p.Pulumi.Version
	if ver == "" {
		ver = p.Version
	}
	if ver == "" {
		return nil, fmt.Errorf("package %q declares a resource plugin but has no version", p.Name)
	}
	if !strings.HasPrefix(ver, "v") {
		ver = "v" + ver
	}
	dep := &pulumirpc.PackageDependency{Name: name, Kind: "resource", Version: ver, Server: p.Pulumi.Server}
	if param := p.Pulumi.Parameterization; param != nil {
		dep.Parameterization = &pulumirpc.PackageParameterization{
			Name: param.Name, Version: param.Version, Value: param.Value,
		}
	}
	return dep, nil
}

// programDependencies reads the nearest package.json from dir upwards and reports each dependency with the version
// installed in node_modules (or the declared range when it is not installed).
func programDependencies(dir string) ([]*pulumirpc.DependencyInfo, error) {
	var manifest *packageJSON
	for _, d := range ancestors(dir) {
		p, err := readPackageJSON(filepath.Join(d, "package.json"))
		if err == nil {
			manifest = p
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	if manifest == nil {
		return nil, fmt.Errorf("no package.json found in %s or its parent folders", dir)
	}
	names := map[string]string{}
	for n, v := range manifest.Dependencies {
		names[n] = v
	}
	for n, v := range manifest.DevDependencies {
		names[n] = v
	}
	out := make([]*pulumirpc.DependencyInfo, 0, len(names))
	for n, declared := range names {
		version := declared
		for _, d := range ancestors(dir) {
			if p, err := readPackageJSON(filepath.Join(d, "node_modules", filepath.FromSlash(n), "package.json")); err == nil {
				version = p.Version
				break
			}
		}
		out = append(out, &pulumirpc.DependencyInfo{Name: n, Version: version})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
