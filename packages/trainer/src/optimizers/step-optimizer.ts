import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, describeValue } from "@contrastive/core";

/** A tensor with a name, as tfjs optimizers save their state (`tf.NamedTensor` is not exported). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}
import { type ScheduleLike, valueAt } from "../schedules.js";

/** The slot tensors of one variable (momentum buffers, moment estimates), by slot name. */
export type Slots = Record<string, tf.Variable>;

/**
 * The shared part of our optimizers: a learning rate that may be a schedule of the step, per-variable
 * slots created on first use, and a state (`getWeights` / `setWeights`: the step count and every slot,
 * named `<variable>/<slot>`) that checkpoints save and restore, so a resumed run continues the schedule.
 * A subclass says which slots a variable has and how one variable is updated.
 */
export abstract class StepOptimizer extends tf.Optimizer {
  private readonly slots = new Map<string, Slots>();

  protected constructor(
    protected readonly component: string,
    protected readonly learningRate: ScheduleLike,
    private readonly slotNames: readonly string[],
  ) {
    super();
    const valid = typeof learningRate === "function" || (typeof learningRate === "number" && Number.isFinite(learningRate) && learningRate >= 0);
    if (!valid) {
      throw new ContrastiveError({ component, argument: "learningRate", received: describeValue(learningRate), expected: "a finite number ≥ 0 or a schedule (step) => number" });
    }
  }

  /** The learning rate the next update uses. */
  currentLearningRate(): number {
    return valueAt(this.learningRate, this.iterations);
  }

  /** Updates one variable in place (`variable.assign`), inside a tidy. */
  protected abstract update(variable: tf.Variable, gradient: tf.Tensor, slots: Slots, learningRate: number): void;

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const list = Array.isArray(variableGradients) ? variableGradients : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const learningRate = this.currentLearningRate();
    if (!Number.isFinite(learningRate)) {
      throw new ContrastiveError({ component: this.component, argument: `learningRate at step ${this.iterations}`, received: String(learningRate), expected: "a finite number from the schedule" });
    }
    const registered = tf.engine().registeredVariables;
    tf.tidy(() => {
      for (const { name, tensor } of list) {
        const variable = registered[name];
        if (variable === undefined || tensor == null || !variable.trainable) continue;
        this.update(variable, tensor, this.slotsOf(name, variable), learningRate);
      }
    });
    this.incrementIterations();
  }

  private slotsOf(name: string, variable: tf.Variable): Slots {
    let slots = this.slots.get(name);
    if (slots === undefined) {
      slots = {};
      for (const slot of this.slotNames) slots[slot] = tf.tidy(() => tf.variable(tf.zerosLike(variable), false));
      this.slots.set(name, slots);
    }
    return slots;
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const state: NamedTensor[] = [];
    for (const [name, slots] of this.slots) for (const slot of this.slotNames) state.push({ name: `${name}/${slot}`, tensor: slots[slot] as tf.Variable });
    return [await this.saveIterations(), ...state];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const values = await this.extractIterations(weightValues);
    const registered = tf.engine().registeredVariables;
    for (const { name, tensor } of values) {
      const cut = name.lastIndexOf("/");
      const [variableName, slot] = [name.slice(0, cut), name.slice(cut + 1)];
      const variable = registered[variableName];
      if (variable === undefined || !this.slotNames.includes(slot)) {
        throw new ContrastiveError({ component: this.component, argument: "setWeights", received: `a slot named ${JSON.stringify(name)}`, expected: `<variable>/<slot> for a live variable and a slot in [${this.slotNames.join(", ")}]` });
      }
      (this.slotsOf(variableName, variable)[slot] as tf.Variable).assign(tensor);
    }
  }

  override dispose(): void {
    super.dispose();
    for (const slots of this.slots.values()) for (const v of Object.values(slots)) v.dispose();
    this.slots.clear();
  }
}

/** Checks that an option is a finite number in [low, high]. */
export function checkRange(component: string, argument: string, value: unknown, low: number, high: number, example: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < low || value > high) {
    throw new ContrastiveError({ component, argument, received: describeValue(value), expected: `a number in [${low}, ${high === Infinity ? "∞)" : `${high}]`}, e.g. ${example}` });
  }
  return value;
}
