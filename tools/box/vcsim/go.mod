// vcsim, govmomi's vCenter simulator, for the box. See tools/README.md.
module basphere.invalid/tools/box/vcsim

go 1.26.0

tool github.com/vmware/govmomi/vcsim

require (
	github.com/google/uuid v1.6.0 // indirect
	github.com/vmware/govmomi v0.46.3 // indirect
)
