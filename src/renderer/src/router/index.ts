import { type Router, createRouter, createWebHashHistory } from 'vue-router'
import HomeView from '../views/HomeView.vue'

/** Hash history: the production renderer is a file:// page, where path URLs cannot resolve. */
export function createAppRouter(): Router {
  return createRouter({
    history: createWebHashHistory(),
    routes: [{ path: '/', name: 'home', component: HomeView }]
  })
}
