// Cluster API's own CRD files that reference/crds lacks (ClusterResourceSet and its bindings), taken by
// scripts/box-tools.sh from this module's download (go.sum verifies it). Same release as reference/crds: v1.14.0.
// Nothing is built from this module.
module basphere.invalid/tools/box/crds

go 1.26.0

require sigs.k8s.io/cluster-api v1.14.0
