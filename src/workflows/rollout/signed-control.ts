import { log, setHandler } from '@temporalio/workflow';
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import type { ControlContext } from '../../domain/rollout/controls';
import type { DecisionIdentity, DecisionKind, DecisionPayload, DecisionProof } from '../../domain/decision-signature';
import { challengeFor, DecisionRefusal, establishIdentity, newNonce, signedDecisions } from '../decisions';
import type { RolloutRun } from './run';

/** The pure check of a control: why it is refused, or undefined. */
export type Refusal<Req> = (req: Req, ctx: ControlContext) => string | undefined;

/** What a control does once accepted; `identity` is absent on runs recorded before decisions were signed. */
export type ControlEffect<Req, Res> = (req: Req, via: 'update' | 'signal', identity?: DecisionIdentity) => Res;

/** What a control is, for signing: its kind, who it claims to come from, and the words it binds. */
export interface ControlSpec<Req> {
  kind: DecisionKind;
  who: (req: Req) => string;
  /** The request as the verified principal sent it. */
  as: (req: Req, principal: string) => Req;
  words: (req: Req) => Pick<DecisionPayload, 'reason' | 'ticket' | 'bake'>;
}

function productionRefusal(run: RolloutRun, req: DecisionProof, how: string): string | undefined {
  return run.input.production && !req.signature ? `environment ${run.input.environment} is production: decisions must be signed (${how})` : undefined;
}

/**
 * Establishes who sent a control (its signature verified by the worker, or unsigned where the
 * environment allows it), checks it again with that principal, and applies it. The nonce the
 * signature covers must still be current: a decision applied meanwhile (or a replayed signature)
 * is refused.
 */
async function decideSigned<Req extends DecisionProof, Res>(run: RolloutRun, req: Req, spec: ControlSpec<Req>, refusal: Refusal<Req>, apply: ControlEffect<Req, Res>, via: 'update' | 'signal'): Promise<Res> {
  const { state } = run;
  const early = productionRefusal(run, req, 'drillctl signs with --key FILE or $DRILLCTL_SIGNING_KEY; the Web UI cannot sign') ?? refusal(req, { ...run.controlContext(), identityPending: !!req.signature });
  if (early) throw new DecisionRefusal(early);
  const payload: DecisionPayload = { ...challengeFor(state.currentStep, state.decisionNonce), decision: spec.kind, ...spec.words(req) };
  const identity = await establishIdentity(run.input.environment, payload, req.signature, spec.who(req));
  if (state.decisionNonce !== payload.nonce) throw new DecisionRefusal('another decision was applied while this one was checked; look at the rollout again and sign anew');
  const verified = spec.as(req, identity.principal);
  const why = refusal(verified, run.controlContext());
  if (why) throw new DecisionRefusal(why);
  const out = apply(verified, via, identity);
  state.decisionNonce = newNonce();
  return out;
}

/** Registers a control as an Update with a synchronous validator, and its signal twin that passes the same checks. */
export function registerControl<Req extends DecisionProof, Res>(
  run: RolloutRun,
  update: UpdateDefinition<Res, [Req]>,
  signal: SignalDefinition<[Req]>,
  refusal: Refusal<Req>,
  spec: ControlSpec<Req>,
  apply: ControlEffect<Req, Res>,
  description: string,
): void {
  const who = spec.who;
  setHandler(
    update,
    async (req) => {
      if (!signedDecisions()) return apply(req, 'update');
      try {
        return await decideSigned(run, req, spec, refusal, apply, 'update');
      } catch (err) {
        if (err instanceof DecisionRefusal) throw err.toFailure();
        throw err;
      }
    },
    {
      // Synchronous on purpose: an async validator's rejection is ignored and the update accepted.
      // Who signed is known only once the worker has
      // verified the signature, so the identity checks run again then, in the handler.
      validator: (req) => {
        const why = productionRefusal(run, req, 'pass --key FILE or set DRILLCTL_SIGNING_KEY') ?? refusal(req, { ...run.controlContext(), identityPending: !!req.signature });
        if (why) throw new Error(why);
      },
      description,
    },
  );
  const refused = (req: Req, why: string): void => {
    run.note('refused', `${signal.name} from ${who(req) || '(nobody)'} refused: ${why}`, who(req));
    log.warn(`rollout control refused: ${why}`, { signal: signal.name, by: who(req) });
  };
  setHandler(
    signal,
    async (req) => {
      if (!signedDecisions()) {
        const why = refusal(req, run.controlContext());
        if (why) refused(req, why);
        else apply(req, 'signal');
        return;
      }
      try {
        await decideSigned(run, req, spec, refusal, apply, 'signal');
      } catch (err) {
        const refusalOf = DecisionRefusal.fromSignal(err);
        if (!refusalOf) throw err;
        refused(req, refusalOf.message);
      }
    },
    { description: `${description} (from the Web UI; same checks as the Update; refused in production, where decisions must be signed)` },
  );
}
