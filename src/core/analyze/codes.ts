export type Severity = 'error' | 'warning' | 'info';

interface CodeInfo {
  /** Every finding of the code has this severity: call sites never restate it. */
  severity: Severity;
  name: string;
  summary: string;
  help: string;
  /**
   * The finding only says what a prune can do (a lock, how groups follow a rearrangement): on a path that
   * reaches no prunable layer it says nothing, and the report leaves it out.
   */
  pruningOnly?: true;
}

/** Every diagnostic code: its severity, a name, a one-line summary and what to do (docs/diagnostics.md). */
export const CODES = {
  PS001: {
    severity: 'info',
    name: 'PixelShuffleBlocks',
    summary: 'A conv feeds a pixel shuffle: its channels prune in blocks of r².',
    help: 'Nothing to do: the pruner removes whole blocks (CRD contiguous, DCR strided). Counts and indices in a plan must be whole blocks.',
  },
  PS002: {
    severity: 'warning',
    name: 'PixelShuffleAsReshapeTranspose',
    summary: 'A pixel shuffle is written as Reshape→Transpose→Reshape with baked shapes.',
    help: 'Rewrite it as DepthToSpace (the fix does it); the baked shapes otherwise need updating when channels go.',
  },
  PS003: {
    severity: 'info',
    name: 'DepthToSpaceDefaultMode',
    summary: 'DepthToSpace without mode is DCR (PyTorch PixelShuffle is CRD).',
    help: 'Make the mode explicit so readers and tools do not assume CRD.',
  },
  PS004: {
    severity: 'warning',
    name: 'PixelShuffleStraddlesConcat',
    summary: 'A pixel-shuffle block straddles a Concat boundary: channels of two branches are coupled.',
    help: 'The branches prune together. Make branch channel counts multiples of r² to decouple them.',
  },
  PS005: {
    severity: 'warning',
    name: 'SpaceToDepthFromPyTorch',
    summary: 'SpaceToDepth where the producer suggests a PyTorch pixel_unshuffle (different channel order).',
    help: 'Check the source model: if it used pixel_unshuffle, re-export with a current PyTorch.',
  },
  PS006: {
    severity: 'info',
    name: 'PixelShuffleReachesOutput',
    summary: 'A pixel-shuffle output reaches a graph output: those channels are locked.',
    help: 'Nothing to do: graph outputs keep their shape.',
  },
  PS007: {
    severity: 'error',
    name: 'UnrecognisedReshapeTranspose',
    summary:
      'A Reshape→Transpose→Reshape on a channel path is neither a pixel shuffle nor a channel shuffle: group locked.',
    help: 'Exclude the layers that feed it (the fix does it in the plan).',
    pruningOnly: true,
  },
  PS008: {
    severity: 'error',
    name: 'LegacyPixelShuffleExport',
    summary: 'Legacy (2019) PyTorch pixel-shuffle export that does not compute a pixel shuffle.',
    help: 'Re-export the model with PyTorch 1.2 or newer.',
  },
  PR001: {
    severity: 'warning',
    name: 'NoChannelRule',
    summary: 'An op without a channel rule (unknown or custom) sits on a channel path: group locked.',
    help: 'Exclude the layers that feed it, or prune around it.',
    pruningOnly: true,
  },
  PR002: {
    severity: 'info',
    name: 'ChannelShuffle',
    summary: 'A channel shuffle (ShuffleNet) is recognised; groups follow its permutation.',
    help: 'Nothing to do.',
    pruningOnly: true,
  },
  PR003: {
    severity: 'warning',
    name: 'WeightNotSliceable',
    summary: 'A conv whose weight is computed at run time or of unknown shape cannot be pruned.',
    help: 'Fold the weight into an initializer (e.g. with onnxsim) and analyse again.',
    pruningOnly: true,
  },
  PR004: {
    severity: 'warning',
    name: 'StatisticsOverChannels',
    summary:
      'An op normalises over the channel axis (Softmax, LayerNorm, LRN): removing channels would change the others.',
    help: 'Nothing to do: the group is locked so the model stays exact.',
    pruningOnly: true,
  },
  PR005: {
    severity: 'info',
    name: 'ChannelRearrangement',
    summary: 'A Reshape→Transpose→Reshape rearranges channels in a known, exact way.',
    help: 'Nothing to do: groups follow its exact channel map.',
    pruningOnly: true,
  },
  PL000: {
    severity: 'error',
    name: 'PlanSchema',
    summary: 'The plan is not JSON, or does not match the plan schema.',
    help: 'Fix the JSON; see docs/plan.md for the format.',
  },
  PL001: {
    severity: 'error',
    name: 'PlanPartialBlocks',
    summary: 'A count or indices on a pixel-shuffle-coupled layer are not whole blocks of r².',
    help: 'Round to whole blocks (the fix does it).',
  },
  PL002: {
    severity: 'error',
    name: 'PlanUnknownLayer',
    summary: 'A layer name is not in the model.',
    help: 'Use one of the suggested names, or remove the entry.',
  },
  PL003: {
    severity: 'warning',
    name: 'PlanGroupMismatch',
    summary: 'Layers of one group are given different amounts.',
    help: 'Use one setting for the whole group.',
  },
  PL004: {
    severity: 'error',
    name: 'PlanLockedLayer',
    summary: 'A layer of a locked group is given an amount.',
    help: 'Exclude the layer.',
  },
  PL005: {
    severity: 'error',
    name: 'PlanRatioRange',
    summary: 'A ratio outside [0, 1), or an amount that removes every channel.',
    help: 'Clamp to the largest amount that keeps one unit.',
  },
  PL006: {
    severity: 'warning',
    name: 'PlanRoundTo',
    summary: 'An amount is not a multiple of roundTo.',
    help: 'Round it.',
  },
  PL007: {
    severity: 'warning',
    name: 'PlanStale',
    summary: 'modelSha256 does not match the model.',
    help: 'Update the plan.',
  },
  PL008: {
    severity: 'error',
    name: 'PlanBadIndices',
    summary: 'Indices out of range or repeated.',
    help: 'Drop the bad indices.',
  },
  PL009: {
    severity: 'warning',
    name: 'PlanDuplicateKey',
    summary: 'A layer is given twice; the last entry wins.',
    help: 'Remove the earlier entry.',
  },
  IO001: {
    severity: 'error',
    name: 'ExternalData',
    summary: "External data missing, unreadable, or pointing outside the model's folder.",
    help: "Put the data file beside the model under the name in 'location', or re-export the model.",
  },
} as const satisfies Record<string, CodeInfo>;

/** A code of the catalogue: a finding can only carry one of these. */
export type DiagnosticCode = keyof typeof CODES;

/** Whether findings of the code only say what a prune can do (CodeInfo.pruningOnly). */
export function pruningOnly(code: DiagnosticCode): boolean {
  return (CODES[code] as CodeInfo).pruningOnly === true;
}
