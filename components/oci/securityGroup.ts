/**
 * Creates an OCI network security group from plain {@link IngressRule} data: one stateful ingress rule per entry and
 * unrestricted egress. Used by the Omni network, the add-on slots and the OKE node/API groups.
 */
import * as oci from "@pulumi/oci";
import * as pulumi from "@pulumi/pulumi";
import { PROTOCOL } from "./constants";
import { ANYWHERE, IngressRule, portOptions } from "./securityRules";

/** A network security group named `name`, child of `parent`, with exactly `rules` as ingress. */
export function createSecurityGroup(
  name: string,
  parent: pulumi.Resource,
  compartmentId: pulumi.Input<string>,
  vcnId: pulumi.Input<string>,
  rules: IngressRule[],
): oci.core.NetworkSecurityGroup {
  const p = { parent };
  const nsg = new oci.core.NetworkSecurityGroup(name, { compartmentId, vcnId, displayName: name }, p);
  for (const rule of rules) {
    new oci.core.NetworkSecurityGroupSecurityRule(
      `${name}-${rule.name}`,
      {
        networkSecurityGroupId: nsg.id,
        direction: "INGRESS",
        source: rule.source,
        sourceType: "CIDR_BLOCK",
        stateless: false,
        description: rule.description,
        ...portOptions(rule),
      },
      p,
    );
  }
  new oci.core.NetworkSecurityGroupSecurityRule(
    `${name}-egress`,
    {
      networkSecurityGroupId: nsg.id,
      direction: "EGRESS",
      destination: ANYWHERE,
      destinationType: "CIDR_BLOCK",
      protocol: PROTOCOL.all,
      stateless: false,
      description: "all egress",
    },
    p,
  );
  return nsg;
}
