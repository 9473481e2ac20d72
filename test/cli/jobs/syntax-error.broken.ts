export default function job(env) {
  env.fromCollection([1,2)
}
