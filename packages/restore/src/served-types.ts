import {
  apiPathOf,
  discoverResources,
  type KubeClient,
  parseApiVersion,
  type ResourceType,
  resourceKey,
} from "@kubedump/kube";

/** The types the cluster serves, from discovery, refreshed when the restore made new ones (CRDs, APIServices). */
export class ServedTypes {
  private byKey = new Map<string, ResourceType>();
  private byKind = new Map<string, ResourceType>();

  constructor(private readonly client: KubeClient) {}

  /** Discovers again. A group whose discovery failed is left out, as if it were not served yet. */
  async refresh(): Promise<void> {
    const { resources } = await discoverResources(this.client);
    this.byKey = new Map(resources.map((rt) => [rt.key, rt]));
    this.byKind = new Map();
    for (const rt of resources) {
      const key = `${rt.group}/${rt.kind}`;
      if (!this.byKind.has(key)) this.byKind.set(key, rt);
    }
  }

  all(): ResourceType[] {
    return [...this.byKey.values()];
  }

  /**
   * The served type of a snapshot's group and resource, at the snapshot's version (the objects
   * are written as they were read), or undefined when the cluster does not serve it.
   */
  at(type: { group: string; resource: string; version: string }): ResourceType | undefined {
    const served = this.byKey.get(resourceKey(type.resource, type.group));
    return served && { ...served, version: type.version, apiPath: apiPathOf(type.group, type.version) };
  }

  /** The served type of an apiVersion and kind (an owner reference's), at that version. */
  ofKind(apiVersion: string, kind: string): ResourceType | undefined {
    const { group, version } = parseApiVersion(apiVersion);
    const served = this.byKind.get(`${group}/${kind}`);
    return served && this.at({ group, resource: served.resource, version });
  }
}
