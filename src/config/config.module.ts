import { DynamicModule, ForwardReference, Module, Type } from '@nestjs/common';
import { MODULE_METADATA } from '@nestjs/common/constants';
import { APP_CONFIG, type AppConfig } from './app-config';
import type { Env } from './env';

type ModuleImport = Type | DynamicModule | Promise<DynamicModule> | ForwardReference;

/** What a module declared with forFeature: the token its configuration is injected as, and its loader. */
interface Feature {
  token: symbol;
  load: (env: Env) => unknown;
}

const FEATURES = new WeakMap<DynamicModule, Feature>();
/** The configuration of every declared feature, loaded by forRoot. */
const LOADED_FEATURES = Symbol('LOADED_FEATURES');

/**
 * Makes the validated AppConfig injectable everywhere as APP_CONFIG (forRoot), and lets a module
 * declare its own variables (forFeature, as @nestjs/config's registerAs does).
 */
@Module({})
export class ConfigModule {
  /**
   * Also loads, from `config.env`, the variables that each of `modules` (and the modules they import)
   * declares with forFeature, now, before Nest starts anything: a bad value stops the start with a
   * ConfigError before a connection is made.
   */
  static forRoot(config: AppConfig, modules: ModuleImport[]): DynamicModule {
    const loaded = new Map(declaredFeatures(modules).map(({ token, load }) => [token, load(config.env)]));
    return {
      module: ConfigModule,
      global: true,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: LOADED_FEATURES, useValue: loaded },
      ],
      exports: [APP_CONFIG, LOADED_FEATURES],
    };
  }

  /** The importing module's own variables: `load` validates them into what is injected as `token`. */
  static forFeature<T>(token: symbol, load: (env: Env) => T): DynamicModule {
    const feature: DynamicModule = {
      module: ConfigModule,
      providers: [{ provide: token, inject: [LOADED_FEATURES], useFactory: (loaded: Map<symbol, unknown>) => loaded.get(token) }],
      exports: [token],
    };
    FEATURES.set(feature, { token, load });
    return feature;
  }
}

/** The forFeature declarations among `modules` and everything they import. */
function declaredFeatures(modules: ModuleImport[], seen = new Set<unknown>()): Feature[] {
  return modules.flatMap((entry) => {
    const module = 'forwardRef' in entry ? (entry.forwardRef() as Type | DynamicModule) : entry;
    if (module instanceof Promise || seen.has(module)) return [];
    seen.add(module);
    const feature = FEATURES.get(module as DynamicModule);
    if (feature) return [feature];
    const dynamic = 'module' in module ? module : undefined;
    const imports: ModuleImport[] = [
      ...((Reflect.getMetadata(MODULE_METADATA.IMPORTS, dynamic?.module ?? module) as ModuleImport[] | undefined) ?? []),
      ...(dynamic?.imports ?? []),
    ];
    return declaredFeatures(imports, seen);
  });
}
