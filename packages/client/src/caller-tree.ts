/**
 * The contract's tree of callers on a client (`client.users.get(input)`), made on first use. Each node of a
 * contract gets one class, once per contract, whose prototype has a getter per child; a client's namespace
 * objects and callers are made the first time they are read and kept in the node, so reading one twice gives
 * the same function. Creating a client costs the same for a contract of three procedures as for one of
 * thousands, and a client holds callers only for what it uses.
 *
 * Callers are closures over the client, so they work unbound (`const get = client.users.get`). The names are
 * enumerable getters on the prototypes: `for...in` and property reads see them, `Object.keys` does not.
 */
import { isDefinition, type ContractTree, type Definition } from '@ackwire/core';

/** What makes the caller of one definition: a function for a procedure, `{ subscribe }` for a subscription. */
export interface CallerSource {
  caller(def: Definition): unknown;
}

/** The client a node belongs to, and its children once made (by the child's index in the contract node). */
const SOURCE = Symbol();
const MADE = Symbol();

/** A node of a client's tree: the root (the client object itself) or a namespace. */
export interface TreeNode {
  [SOURCE]: CallerSource;
  [MADE]: unknown[] | undefined;
}

/** The fields a node holds; each node class calls this in its constructor, so every node has the same ones. */
export function initNode(node: TreeNode, source: CallerSource): void {
  node[SOURCE] = source;
  node[MADE] = undefined;
}

/**
 * Getters on `proto` for the children of `node` (a contract or one of its namespaces), each with its own
 * namespace class. The instances must be TreeNodes (`initNode` in their constructor). Called once per
 * contract (client.ts keeps the class it makes), so a contract's classes are made once.
 */
export function defineCallers(proto: object, node: ContractTree): void {
  Object.keys(node).forEach((name, i) => {
    const child = node[name]!;
    const make = isDefinition(child) ? (source: CallerSource) => source.caller(child) : namespace(child as ContractTree);
    Object.defineProperty(proto, name, {
      enumerable: true,
      get(this: TreeNode): unknown {
        return ((this[MADE] ??= [])[i] ??= make(this[SOURCE]));
      },
    });
  });
}

/** What makes a client's object for a namespace of the contract. */
function namespace(node: ContractTree): (source: CallerSource) => TreeNode {
  class Namespace {
    constructor(source: CallerSource) {
      initNode(this as unknown as TreeNode, source);
    }
  }
  defineCallers(Namespace.prototype, node);
  return (source) => new Namespace(source) as unknown as TreeNode;
}
