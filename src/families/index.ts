/** The family registry: the one list every driver reads. Adding a family = one file + one line here. */
import { UserError, didYouMean } from '../core/errors.js';
import { activationDerivative } from './activation-derivative.js';
import { attention } from './attention.js';
import { classificationMetrics } from './classification-metrics.js';
import { convBackprop } from './conv-backprop.js';
import { convMacCost } from './conv-mac-cost.js';
import { convTransposeShape } from './conv-transpose-shape.js';
import { convOutputShape } from './conv-output-shape.js';
import { dropoutClipping } from './dropout-clipping.js';
import { gatedRnnStep } from './gated-rnn-step.js';
import { layerParamCount } from './layer-param-count.js';
import { lrn } from './local-response-norm.js';
import { mlpBackprop } from './mlp-backprop.js';
import { modelSummary } from './model-summary.js';
import { normalisation } from './normalisation.js';
import { optimiserSteps } from './optimiser-steps.js';
import { pooling } from './pooling.js';
import { receptiveField } from './receptive-field.js';
import { rlUpdates } from './rl-updates.js';
import { rnnSteps } from './rnn-steps.js';
import { softmaxCrossEntropy } from './softmax-cross-entropy.js';
import { svmHardMargin } from './svm-hard-margin.js';
import { zscoreOutliers } from './zscore-outliers.js';
import type { AnyFamily } from './types.js';

export const families: readonly AnyFamily[] = [convOutputShape, layerParamCount, modelSummary, convMacCost, convBackprop, pooling, svmHardMargin, zscoreOutliers, activationDerivative, softmaxCrossEntropy, classificationMetrics, dropoutClipping, receptiveField, attention, mlpBackprop, normalisation, optimiserSteps, rnnSteps, gatedRnnStep, rlUpdates, lrn, convTransposeShape];

export function getFamily(id: string): AnyFamily {
  const f = families.find((x) => x.id === id);
  if (f) return f;
  const guess = didYouMean(id, families.map((x) => x.id));
  throw new UserError(`unknown family "${id}"${guess ? ` — did you mean "${guess}"?` : ''}`, 'run `dlexam families` to list them');
}
