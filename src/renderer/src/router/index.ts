import { type Router, createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'
import HomeView from '../views/HomeView.vue'
import DatasetsView from '../views/DatasetsView.vue'
import NewRunView from '../views/NewRunView.vue'
import TrainingView from '../views/TrainingView.vue'
import EvaluationView from '../views/EvaluationView.vue'
import ExportView from '../views/ExportView.vue'
import StudyView from '../views/StudyView.vue'
import SweepsView from '../views/SweepsView.vue'

/** The views in navigation order; Alt+1…8 jumps to them. */
export const NAV_ROUTES: readonly { name: string; label: string; path: string }[] = [
  { name: 'home', label: 'Home', path: '/' },
  { name: 'datasets', label: 'Datasets', path: '/datasets' },
  { name: 'new-run', label: 'New run', path: '/new-run' },
  { name: 'training', label: 'Training', path: '/training' },
  { name: 'evaluation', label: 'Evaluation', path: '/evaluation' },
  { name: 'export', label: 'Export', path: '/export' },
  { name: 'study', label: 'Figure 1', path: '/study' },
  { name: 'sweeps', label: 'Sweeps', path: '/sweeps' }
]

export const ROUTES: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: HomeView },
  { path: '/datasets', name: 'datasets', component: DatasetsView },
  { path: '/new-run', name: 'new-run', component: NewRunView },
  { path: '/training/:runId?', name: 'training', component: TrainingView, props: true },
  { path: '/evaluation/:runId?', name: 'evaluation', component: EvaluationView, props: true },
  { path: '/export/:runId?', name: 'export', component: ExportView, props: true },
  { path: '/study', name: 'study', component: StudyView },
  { path: '/sweeps', name: 'sweeps', component: SweepsView },
  { path: '/:pathMatch(.*)*', redirect: '/' }
]

/** Hash history: the production renderer is a file:// page, where path URLs cannot resolve. */
export function createAppRouter(): Router {
  return createRouter({ history: createWebHashHistory(), routes: ROUTES })
}
