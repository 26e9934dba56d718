/** The shape of the Kubernetes objects the tenant renderers (Cluster API, vSphere CPI) return. */
/** A Kubernetes object as the renderers return it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: Record<string, any>;
}
