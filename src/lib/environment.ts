/**
 * Which environment a workload belongs to, and which environment wins when one image is used by
 * several. Pure: reads only the config and the tags and names the ECS adapter already fetched.
 */
import type { Tags } from './aws/ports.js';
import type { KeeperConfig } from './config.js';
import { globMatches } from './policy/match.js';

/** What is known about a workload when its environment is resolved. */
export interface WorkloadLabels {
  readonly taskTags?: Tags | undefined;
  readonly serviceTags?: Tags | undefined;
  readonly clusterTags?: Tags | undefined;
  readonly serviceName?: string | undefined;
  readonly clusterName: string;
}

/** The resolved environment and a sentence saying how it was found (for reports and logs). */
export interface ResolvedEnvironment {
  readonly environment: string;
  readonly why: string;
}

type ResolutionConfig = Pick<KeeperConfig, 'environments' | 'environmentResolution'>;

/**
 * True when the cluster or service `name` matches the name pattern `pattern`: the project's one
 * glob (`*` any run, whole name, other characters literal), case-insensitive as the README
 * documents, since ECS names are chosen freely (`STG-blue` matches `stg-*`).
 */
export const matchesNamePattern = (name: string, pattern: string): boolean => globMatches(name, pattern, { caseInsensitive: true });

// ECS tag keys are case-sensitive, but `Environment` and `environment` mean the same to people:
// an exact key wins, then any key equal ignoring case (in sorted order, so the result is stable).
const tagValues = (tags: Tags, key: string): { key: string; value: string }[] => {
  const exact = Object.hasOwn(tags, key) ? [{ key, value: tags[key] ?? '' }] : [];
  const folded = Object.keys(tags)
    .filter((k) => k !== key && k.toLowerCase() === key.toLowerCase())
    .sort()
    .map((k) => ({ key: k, value: tags[k] ?? '' }));
  return [...exact, ...folded];
};

/**
 * Resolves a workload's environment: the configured tag keys (in order) on the task, then the
 * service, then the cluster; then the name patterns against the service name, then the cluster
 * name; then the default. A tag whose value is not a configured environment is skipped (and named
 * in `why`), so a typo such as `env=prdo` falls through to the next source instead of winning.
 */
export const resolveEnvironment = (config: ResolutionConfig, workload: WorkloadLabels): ResolvedEnvironment => {
  const known = new Map(config.environments.map((e) => [e.name.toLowerCase(), e.name]));
  const { tagKeys, namePatterns } = config.environmentResolution;
  const skipped: string[] = [];
  const note = (why: string): string => (skipped.length > 0 ? `${why} (skipped ${skipped.join(', ')}: not a configured environment)` : why);

  const tagSources: [string, Tags | undefined][] = [
    ['task', workload.taskTags],
    ['service', workload.serviceTags],
    ['cluster', workload.clusterTags],
  ];
  for (const [source, tags] of tagSources) {
    if (tags === undefined) continue;
    for (const key of tagKeys) {
      for (const tag of tagValues(tags, key)) {
        const environment = known.get(tag.value.trim().toLowerCase());
        if (environment !== undefined) return { environment, why: note(`${source} tag ${tag.key}=${tag.value}`) };
        skipped.push(`${source} tag ${tag.key}=${JSON.stringify(tag.value)}`);
      }
    }
  }

  const nameSources: [string, string | undefined][] = [
    ['service', workload.serviceName],
    ['cluster', workload.clusterName],
  ];
  for (const [source, name] of nameSources) {
    if (name === undefined || name === '') continue;
    for (const { pattern, environment } of namePatterns) {
      if (matchesNamePattern(name, pattern)) return { environment, why: note(`${source} name "${name}" matches "${pattern}"`) };
    }
  }

  return { environment: config.environmentResolution.default, why: note('default environment') };
};

/**
 * Precedence of an environment: its index in `config.environments` (0 = most important).
 * An unknown name ranks after every configured one.
 */
export const environmentRank = (config: Pick<KeeperConfig, 'environments'>, name: string): number => {
  const index = config.environments.findIndex((e) => e.name === name);
  return index < 0 ? config.environments.length : index;
};

/**
 * The most important of `names` by config order (an image used by prod and dev is prod's), so it
 * gets the longest retention. With no names, the default environment.
 */
export const pickEnvironment = (config: ResolutionConfig, names: Iterable<string>): string => {
  let best: string | undefined;
  for (const name of names) {
    if (best === undefined || environmentRank(config, name) < environmentRank(config, best)) best = name;
  }
  return best ?? config.environmentResolution.default;
};
